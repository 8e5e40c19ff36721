"""Contracts' pages through the test client: who sees what, who may act, hostile input, and a
contract's life (sign → daily job → evaluate → propose → decide → new draft) through the forms."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hrflow.contracts import jobs, services
from hrflow.contracts.models import Contract, DispatchAgreement, RenewalCase
from hrflow.core.history import system_user
from hrflow.people.models import Staff

from .conftest import TODAY, terms

S = Contract.State
SIGN = {
    "signed_on": TODAY.isoformat(), "starts_on": TODAY.isoformat(), "term_months": "12", "probation_months": "2",
    "agreed_pay": "3000", "probation_pay": "2400", "post": "食堂厨师", "evaluation_method": "年度考核与聘期考核相结合",
}
DISPATCH = {"agency": "四川某劳务派遣有限公司", "agency_code": "", "post_nature": "auxiliary",
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=365)).isoformat(), "reason": "派遣协议登记"}


def _has_chinese(text) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def _errors(response) -> list[str]:
    """Every error message of the page's forms (the bound one, in the context)."""
    forms = [response.context["form"]] if "form" in response.context else []
    forms += list(response.context.get("forms", {}).values())
    return [str(e) for form in forms for errors in form.errors.values() for e in errors]


def _fingerprint(contract):
    """What a refused POST must leave as it was: the contract, its renewal, their history."""
    contract = Contract.objects.get(pk=contract.pk)
    return (contract.state, contract.term_grade, contract.term_grade_note, contract.signed_on, contract.agreed_pay,
            contract.history.count(), RenewalCase.objects.count(), RenewalCase.history.count(), Contract.objects.count(),
            DispatchAgreement.objects.count(), DispatchAgreement.history.count())


def _run_job(day):
    return jobs.daily(as_of=day, user=system_user())


def _signed(draft, user, **changes):
    base = dict(term_months=12, probation_months=2, probation_pay=Decimal("2400"))
    base.update(changes)
    return services.contract_sign(contract=draft, terms=terms(**base), signed_on=TODAY, acting_user=user("hr"))


@pytest.fixture
def expiring(draft, user, today):
    """A one-year contract that the daily job brought up for renewal, its term evaluated."""
    contract = _signed(draft, user)
    _run_job(contract.ends_on - timedelta(days=60))
    contract.refresh_from_db()
    assert contract.state == S.EXPIRING
    return contract


@pytest.fixture
def graded(expiring, user):
    return services.contract_grade_term(contract=expiring, grade="pass", note="考核小组评议：合格", acting_user=user("hr"))


@pytest.fixture
def proposed(graded, user):
    return services.renewal_propose(contract=graded, renew=True, new_term_months=36, reason="聘期考核合格，续聘三年", acting_user=user("hr"))


@pytest.fixture
def dispatched(school):
    staff = Staff.objects.filter(school=school, status="active", person__user__isnull=True).exclude(
        employment_type="dispatched").order_by("-id").first()
    Staff.objects.filter(pk=staff.pk).update(employment_type="dispatched")
    return Staff.objects.select_related("person").get(pk=staff.pk)


@pytest.fixture
def own_contract(user, today):
    """The demo `staff` login's own employment, with a draft contract."""
    staff = Staff.objects.filter(person__user=user("staff")).order_by("id").first()
    Staff.objects.filter(pk=staff.pk).update(employment_type="contract", hired_on=TODAY)
    Contract.objects.filter(staff__person=staff.person).delete()
    staff = Staff.objects.get(pk=staff.pk)
    return services.contract_create_draft(staff=staff, starts_on=TODAY, term_months=36, acting_user=user("hr"), reason="聘用")


# --- Who sees which page -------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("hr", 200), ("leader", 200), ("auditor", 200), ("bureau", 200), ("hr2", 200), ("staff", 403)])
def test_contract_list_by_role(role, status, login, draft):
    response = login(role).get(reverse("contracts:contract_list"))
    assert response.status_code == status
    if status == 200:
        # hr2's scope is another school: the page renders without this school's contract.
        assert (f'data-contract="{draft.pk}"' in response.content.decode()) is (role != "hr2")


def test_contract_list_filters_by_state_and_ignores_a_bad_state(login, draft):
    client = login("hr")
    assert f'data-contract="{draft.pk}"' in client.get(reverse("contracts:contract_list"), {"state": "draft"}).content.decode()
    assert f'data-contract="{draft.pk}"' not in client.get(reverse("contracts:contract_list"), {"state": "active"}).content.decode()
    assert client.get(reverse("contracts:contract_list"), {"state": "nonsense"}).status_code == 200
    assert client.get(reverse("contracts:contract_list"), {"cursor": "garbage"}).status_code == 200  # a tampered cursor: the first page


@pytest.mark.parametrize("role, status", [("hr", 200), ("leader", 200), ("hr2", 200), ("auditor", 403), ("bureau", 403), ("staff", 403)])
def test_renewal_inbox_by_role(role, status, login, expiring):
    response = login(role).get(reverse("contracts:renewal_tasks"))
    assert response.status_code == status
    if status == 200:
        # Waiting for HR's proposal: in hr's inbox only (not hr2's, not yet the leader's).
        assert (f'data-contract="{expiring.pk}"' in response.content.decode()) is (role == "hr")


def test_a_proposal_moves_from_hr_to_the_leaders_inbox(login, proposed):
    pk = proposed.contract_id
    assert f'data-contract="{pk}"' not in login("hr").get(reverse("contracts:renewal_tasks")).content.decode()
    assert f'data-contract="{pk}"' in login("leader").get(reverse("contracts:renewal_tasks")).content.decode()
    assert f'data-contract="{pk}"' not in login("hr2").get(reverse("contracts:renewal_tasks")).content.decode()


@pytest.mark.parametrize("role, status", [("hr", 200), ("leader", 200), ("auditor", 200), ("bureau", 200), ("hr2", 403), ("staff", 403)])
def test_contract_detail_by_role(role, status, login, draft):
    response = login(role).get(reverse("contracts:contract_detail", args=[draft.pk]))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert draft.staff.person.name in html and 'data-testid="timeline"' in html
        # Only the school's HR records the signature.
        assert ('data-testid="sign"' in html) is (role == "hr")


def test_an_unknown_contract_is_404(login):
    assert login("hr").get(reverse("contracts:contract_detail", args=[99999999])).status_code == 404


@pytest.mark.parametrize("role, status", [("hr", 200), ("leader", 403), ("auditor", 403), ("bureau", 403), ("hr2", 403), ("staff", 403)])
def test_sign_form_by_role(role, status, login, draft):
    response = login(role).get(reverse("contracts:contract_sign", args=[draft.pk]))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        # The draft's start and today's date, in the ISO form an <input type="date"> takes.
        assert 'data-testid="sign-form"' in html and f'name="starts_on" value="{TODAY.isoformat()}"' in html
        assert f'name="signed_on" value="{TODAY.isoformat()}"' in html


def test_the_sign_form_of_a_signed_contract_goes_back_to_the_contract(login, draft, user):
    _signed(draft, user)
    response = login("hr").get(reverse("contracts:contract_sign", args=[draft.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("contracts:contract_detail", args=[draft.pk])


@pytest.mark.parametrize("role, status", [("hr", 200), ("leader", 403), ("auditor", 403), ("hr2", 403), ("staff", 403)])
def test_dispatch_form_by_role(role, status, login, dispatched):
    assert login(role).get(reverse("contracts:dispatch_create", args=[dispatched.pk])).status_code == status


def test_dispatch_edit_of_another_staff_members_agreement_is_404(login, dispatched, staff_member, user):
    agreement = services.dispatch_record(staff=dispatched, data={k: v for k, v in DISPATCH.items() if k != "reason"} | {
        "starts_on": TODAY, "ends_on": TODAY + timedelta(days=30)}, acting_user=user("hr"), reason="登记")
    assert login("hr").get(reverse("contracts:dispatch_edit", args=[dispatched.pk, agreement.pk])).status_code == 200
    assert login("hr").get(reverse("contracts:dispatch_edit", args=[staff_member.pk, agreement.pk])).status_code == 404


# --- Another school's HR changes nothing ---------------------------------------------------------

@pytest.mark.parametrize("action, data", [
    ("grade", {"grade": "pass", "note": "评议"}),
    ("confirm", {"reason": "合格"}),
    ("withdraw", {"reason": "未到岗"}),
    ("propose", {"renew": "yes", "new_term_months": "36", "reason": "续聘"}),
    ("revise", {"renew": "yes", "new_term_months": "36", "reason": "续聘"}),
    ("decide", {"approve": "approve", "reason": "同意"}),
])
@pytest.mark.parametrize("role", ["hr2", "auditor", "bureau", "staff"])
def test_outsiders_change_nothing_by_any_action(role, action, data, login, proposed):
    contract = proposed.contract
    before = _fingerprint(contract)
    response = login(role).post(reverse("contracts:contract_action", args=[contract.pk, action]), data)
    assert response.status_code in (403, 404)
    assert _fingerprint(contract) == before


@pytest.mark.parametrize("role", ["hr2", "leader", "auditor", "staff"])
def test_outsiders_cannot_sign(role, login, draft):
    before = _fingerprint(draft)
    assert login(role).post(reverse("contracts:contract_sign", args=[draft.pk]), SIGN).status_code == 403
    assert _fingerprint(draft) == before


@pytest.mark.parametrize("role", ["hr2", "leader", "auditor"])
def test_outsiders_cannot_record_a_dispatch_agreement(role, login, dispatched):
    response = login(role).post(reverse("contracts:dispatch_create", args=[dispatched.pk]), DISPATCH)
    assert response.status_code == 403
    assert not DispatchAgreement.objects.filter(staff=dispatched).exists()


def test_hr_cannot_decide_and_the_leader_cannot_propose(login, graded, user):
    url = lambda action: reverse("contracts:contract_action", args=[graded.pk, action])  # noqa: E731
    assert login("leader").post(url("propose"), {"renew": "yes", "new_term_months": "36", "reason": "续聘"}).status_code == 403
    case = services.renewal_propose(contract=graded, renew=True, new_term_months=36, reason="续聘", acting_user=user("hr"))
    assert login("hr").post(url("decide"), {"approve": "approve", "reason": "同意"}).status_code == 403
    case.refresh_from_db()
    assert case.state == RenewalCase.State.PROPOSED


# --- Hostile input: a 400 page that says why, nothing written ------------------------------------

@pytest.mark.parametrize("changes", [
    {"agreed_pay": "NaN"}, {"agreed_pay": "inf"}, {"agreed_pay": "1e309"}, {"agreed_pay": "99999999999999999999"},
    {"agreed_pay": "-1"}, {"probation_pay": "sNaN"}, {"probation_months": str(2**63)}, {"term_months": "-5"},
    {"term_months": "121"}, {"signed_on": "2026-02-30"}, {"starts_on": "2025-02-29"}, {"starts_on": "10000-01-01"},
    {"signed_on": ""}, {"evaluation_method": "考" * 2001}, {"post": "岗" * 101}, {"reason": "理" * 501},
    {"evaluation_method": "a\x00b"},
])
def test_hostile_sign_input_is_refused_with_a_chinese_message(changes, login, draft):
    before = _fingerprint(draft)
    response = login("hr").post(reverse("contracts:contract_sign", args=[draft.pk]), {**SIGN, **changes})
    assert response.status_code == 400
    errors = _errors(response)
    assert errors and all(_has_chinese(e) for e in errors), errors
    assert _fingerprint(draft) == before


@pytest.mark.parametrize("changes", [
    {"starts_on": "9999-12-31"},  # a term ending beyond the calendar
    {"starts_on": "0001-01-01"},
    {"signed_on": "9999-12-31"},
    {"signed_on": (TODAY - timedelta(days=1)).isoformat()},  # before the hire
    {"probation_months": "7"},  # LAW-PROBATION
    {"probation_pay": "100"},  # LAW-PROBATION-PAY
])
def test_dates_and_terms_the_law_refuses_are_a_400_not_a_500(changes, login, draft):
    before = _fingerprint(draft)
    response = login("hr").post(reverse("contracts:contract_sign", args=[draft.pk]), {**SIGN, **changes})
    assert response.status_code == 400
    assert _errors(response)
    assert _fingerprint(draft) == before


@pytest.mark.parametrize("action, data", [
    ("grade", {"grade": "excellent", "note": "评议"}),  # not a term grade
    ("grade", {"grade": "pass", "note": "注" * 2001}),
    ("grade", {"grade": "pass", "note": ""}),
    ("grade", {"grade": "", "note": "评议"}),  # nothing chosen
    ("propose", {"renew": "maybe", "new_term_months": "36", "reason": "续聘"}),
    ("propose", {"renew": "yes", "new_term_months": "NaN", "reason": "续聘"}),
    ("propose", {"renew": "yes", "new_term_months": str(10**40), "reason": "续聘"}),
    ("propose", {"renew": "yes", "new_term_months": "36", "reason": "理" * 501}),
    ("propose", {"renew": "yes", "new_term_months": "36", "reason": "  "}),
])
def test_hostile_action_input_is_refused_with_a_chinese_message(action, data, login, graded):
    before = _fingerprint(graded)
    response = login("hr").post(reverse("contracts:contract_action", args=[graded.pk, action]), data)
    assert response.status_code == 400
    errors = _errors(response)
    assert errors and all(_has_chinese(e) for e in errors), errors
    assert _fingerprint(graded) == before


def test_an_action_out_of_turn_is_a_400_with_the_reason(login, draft):
    before = _fingerprint(draft)
    response = login("hr").post(reverse("contracts:contract_action", args=[draft.pk, "propose"]),
                                {"renew": "yes", "new_term_months": "36", "reason": "续聘"})
    assert response.status_code == 400 and _errors(response)
    assert _fingerprint(draft) == before


@pytest.mark.parametrize("slug", ["nosuch", "sign", "end", "approve"])
def test_an_unknown_action_is_404(slug, login, draft):
    before = _fingerprint(draft)
    assert login("hr").post(reverse("contracts:contract_action", args=[draft.pk, slug]), {"reason": "x"}).status_code == 404
    assert _fingerprint(draft) == before


def test_an_action_answers_get_with_405(login, draft):
    assert login("hr").get(reverse("contracts:contract_action", args=[draft.pk, "withdraw"])).status_code == 405


def test_a_decision_needs_a_known_choice(login, proposed):
    contract = proposed.contract
    before = _fingerprint(contract)
    response = login("leader").post(reverse("contracts:contract_action", args=[contract.pk, "decide"]), {"approve": "yes!", "reason": "同意"})
    assert response.status_code == 400 and _errors(response)
    assert _fingerprint(contract) == before


@pytest.mark.parametrize("changes", [
    {"agency_code": "91510100MA6CXXXXX1"},  # wrong check character
    {"agency_code": "not-a-code"},
    {"agency": ""}, {"agency": "派" * 201},
    {"post_nature": "permanent"},  # LAW-DISPATCH: temporary, auxiliary or substitute only
    {"starts_on": "2026-02-30"},
    {"ends_on": (TODAY - timedelta(days=1)).isoformat()},  # before it starts
    {"reason": ""},
])
def test_hostile_dispatch_input_is_refused(changes, login, dispatched):
    response = login("hr").post(reverse("contracts:dispatch_create", args=[dispatched.pk]), {**DISPATCH, **changes})
    assert response.status_code == 400
    assert _errors(response)
    assert not DispatchAgreement.objects.filter(staff=dispatched).exists()


def test_a_valid_credit_code_is_kept(login, dispatched):
    from stdnum.cn import uscc

    code = "91510100MA6CX0000" + uscc.calc_check_digit("91510100MA6CX0000")
    response = login("hr").post(reverse("contracts:dispatch_create", args=[dispatched.pk]), {**DISPATCH, "agency_code": code.lower()})
    assert response.status_code == 302
    agreement = DispatchAgreement.objects.get(staff=dispatched)
    assert agreement.agency_code == code
    assert agreement.history.get().history_user.username == "hr"


def test_a_dispatch_agreement_for_a_contract_employee_is_refused(login, staff_member):
    Staff.objects.filter(pk=staff_member.pk).update(employment_type="contract")
    response = login("hr").post(reverse("contracts:dispatch_create", args=[staff_member.pk]), DISPATCH)
    assert response.status_code == 400 and _errors(response)
    assert not DispatchAgreement.objects.filter(staff=staff_member).exists()


# --- A contract's life through the pages ---------------------------------------------------------

def test_a_contract_is_signed_renewed_and_redrafted_through_the_pages(login, draft, today):
    hr, leader = login("hr"), login("leader")
    response = hr.post(reverse("contracts:contract_sign", args=[draft.pk]), SIGN)
    assert response.status_code == 302
    contract = Contract.objects.get(pk=draft.pk)
    assert (contract.state, contract.term_months, contract.probation_months, contract.signed_on) == (S.PROBATION, 12, 2, TODAY)

    _run_job(contract.ends_on - timedelta(days=60))  # probation over, the term comes up for renewal
    contract.refresh_from_db()
    assert contract.state == S.EXPIRING
    page = hr.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert 'data-testid="form-grade"' in page and 'data-testid="form-propose"' in page
    assert f'data-contract="{contract.pk}"' in hr.get(reverse("contracts:renewal_tasks")).content.decode()

    act = lambda client, action, data: client.post(reverse("contracts:contract_action", args=[contract.pk, action]), data)  # noqa: E731
    assert act(hr, "grade", {"grade": "pass", "note": "考核小组评议：合格"}).status_code == 302
    assert act(hr, "propose", {"renew": "yes", "new_term_months": "36", "reason": "聘期考核合格，续聘三年"}).status_code == 302
    case = RenewalCase.objects.get(contract=contract)
    assert case.state == RenewalCase.State.PROPOSED

    leader_page = leader.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert 'data-testid="form-decide"' in leader_page and 'data-testid="form-grade"' not in leader_page
    assert act(leader, "decide", {"approve": "return", "reason": "请核实考核材料"}).status_code == 302
    assert 'data-testid="form-revise"' in hr.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert act(hr, "revise", {"renew": "yes", "new_term_months": "36", "reason": "考核材料已补充，续聘三年"}).status_code == 302
    assert act(leader, "decide", {"approve": "approve", "reason": "同意续聘三年"}).status_code == 302

    contract.refresh_from_db()
    case.refresh_from_db()
    new = case.new_contract
    assert (contract.state, case.state, new.state, new.term_months, new.renews_id) == (S.RENEWED, "approved", S.DRAFT, 36, contract.pk)
    page = hr.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert reverse("contracts:contract_detail", args=[new.pk]) in page and 'data-testid="new-contract"' in page
    for text in ("聘期考核合格，续聘三年", "请核实考核材料", "同意续聘三年"):
        assert text in page  # the reasons in the timeline
    new_page = hr.get(reverse("contracts:contract_detail", args=[new.pk])).content.decode()
    assert 'data-testid="sign"' in new_page and reverse("contracts:contract_detail", args=[contract.pk]) in new_page


def test_probation_is_confirmed_and_a_draft_withdrawn_through_the_pages(login, draft, user, contract_staff):
    hr = login("hr")
    contract = _signed(draft, user)
    assert hr.post(reverse("contracts:contract_action", args=[contract.pk, "confirm"]), {"reason": "试用期表现良好"}).status_code == 302
    assert Contract.objects.get(pk=contract.pk).state == S.ACTIVE
    second = services.contract_create_draft(staff=contract_staff, starts_on=TODAY, term_months=36, acting_user=user("hr"), reason="再次聘用")
    assert hr.post(reverse("contracts:contract_action", args=[second.pk, "withdraw"]), {"reason": "本人未到岗"}).status_code == 302
    second.refresh_from_db()
    assert (second.state, second.end_reason) == (S.ENDED, "本人未到岗")


def test_a_short_institutional_term_asks_for_a_reason_then_signs(login, draft):
    Contract.objects.filter(pk=draft.pk).update(kind=Contract.Kind.INSTITUTIONAL)
    url = reverse("contracts:contract_sign", args=[draft.pk])
    data = {**SIGN, "term_months": "24", "probation_months": "2"}
    response = login("hr").post(url, data)
    assert response.status_code == 400 and response.context["needs_reason"]
    assert 'name="reason"' in response.content.decode() and "<textarea" in response.content.decode()
    assert login("hr").post(url, {**data, "reason": "项目期限两年"}).status_code == 302
    assert Contract.objects.get(pk=draft.pk).state == S.PROBATION


def test_an_open_ended_contract_due_is_flagged_on_the_page(login, expiring, user, monkeypatch):
    monkeypatch.setattr(services, "renewal_facts", lambda contract: ["连续订立二次固定期限劳动合同"])
    html = login("hr").get(reverse("contracts:contract_detail", args=[expiring.pk])).content.decode()
    assert 'data-testid="open-ended-due"' in html and "连续订立二次固定期限劳动合同" in html


# --- A staff member's own contract, and the staff page's sections ---------------------------------

def test_a_staff_member_sees_their_own_contract_without_actions(login, own_contract):
    client = login("staff")
    me = client.get(reverse("people:me")).content.decode()
    assert 'data-testid="staff-contracts"' in me
    assert reverse("contracts:contract_detail", args=[own_contract.pk]) in me
    response = client.get(reverse("contracts:contract_detail", args=[own_contract.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="timeline"' in html
    assert 'data-testid="sign"' not in html and 'data-testid="form-' not in html
    assert reverse("people:staff_detail", args=[own_contract.staff_id]) not in html  # the staff page is HR's


def test_a_staff_member_cannot_see_a_colleagues_contract(login, draft):
    assert login("staff").get(reverse("contracts:contract_detail", args=[draft.pk])).status_code == 403


@pytest.mark.parametrize("role", ["hr", "leader", "auditor", "bureau"])
def test_the_staff_page_shows_the_contracts_section(role, login, draft):
    html = login(role).get(reverse("people:staff_detail", args=[draft.staff_id])).content.decode()
    assert 'data-testid="staff-contracts"' in html and f'data-contract="{draft.pk}"' in html
    assert reverse("contracts:contract_detail", args=[draft.pk]) in html


def test_the_staff_page_of_a_dispatched_member_shows_the_dispatch_section(login, dispatched, user):
    hr = login("hr")
    html = hr.get(reverse("people:staff_detail", args=[dispatched.pk])).content.decode()
    assert 'data-testid="dispatch-table"' in html and reverse("contracts:dispatch_create", args=[dispatched.pk]) in html
    assert hr.post(reverse("contracts:dispatch_create", args=[dispatched.pk]), DISPATCH).status_code == 302
    agreement = DispatchAgreement.objects.get(staff=dispatched)
    html = hr.get(reverse("people:staff_detail", args=[dispatched.pk])).content.decode()
    assert "四川某劳务派遣有限公司" in html and reverse("contracts:dispatch_edit", args=[dispatched.pk, agreement.pk]) in html
    leader_html = login("leader").get(reverse("people:staff_detail", args=[dispatched.pk])).content.decode()
    assert "四川某劳务派遣有限公司" in leader_html
    assert reverse("contracts:dispatch_create", args=[dispatched.pk]) not in leader_html  # only HR records


def test_correcting_a_dispatch_agreement_keeps_one_row_with_history(login, dispatched):
    hr = login("hr")
    hr.post(reverse("contracts:dispatch_create", args=[dispatched.pk]), DISPATCH)
    agreement = DispatchAgreement.objects.get(staff=dispatched)
    response = hr.post(reverse("contracts:dispatch_edit", args=[dispatched.pk, agreement.pk]),
                       {**DISPATCH, "ends_on": (TODAY + timedelta(days=730)).isoformat(), "reason": "协议延期一年"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.ends_on == TODAY + timedelta(days=730)
    assert [h.history_change_reason for h in agreement.history.order_by("history_id")] == ["派遣协议登记", "协议延期一年"]


# --- Queries -------------------------------------------------------------------------------------

def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_run_the_same_queries_with_more_contracts(login, school, user, today):
    hr, leader = login("hr"), login("leader")
    staff = list(Staff.objects.filter(school=school, employment_type="contract", status="active", person__user__isnull=True)
                 .order_by("id")[1:13])

    def grow(members):
        for s in members:
            Contract.objects.filter(staff=s).delete()
            c = services.contract_create_draft(staff=s, starts_on=TODAY, term_months=12, acting_user=user("hr"), reason="聘用")
            Contract.objects.filter(pk=c.pk).update(state=S.EXPIRING, ends_on=TODAY + timedelta(days=30))

    urls = [(hr, reverse("contracts:contract_list")), (hr, reverse("contracts:renewal_tasks")), (leader, reverse("contracts:renewal_tasks"))]
    grow(staff[:3])
    for client, url in urls:
        _queries(client, url)
    before = [_queries(client, url) for client, url in urls]
    grow(staff[3:])
    after = [_queries(client, url) for client, url in urls]
    assert after == before


def test_detail_page_queries_do_not_grow_with_its_history(login, expiring, user):
    hr = login("hr")
    url = reverse("contracts:contract_detail", args=[expiring.pk])
    _queries(hr, url)
    before = _queries(hr, url)
    for n in range(10):
        services.contract_grade_term(contract=expiring, grade="pass", note=f"评议{n}", acting_user=user("hr"))
    assert _queries(hr, url) == before


def test_hr_drafts_a_contract_from_the_staff_page(login, contract_staff):
    client = login("hr")
    page = client.get(reverse("people:staff_detail", args=[contract_staff.pk])).content.decode()
    assert 'data-testid="contract-draft"' in page and "草拟合同" in page
    response = client.post(reverse("contracts:contract_create", args=[contract_staff.pk]),
                           {"starts_on": TODAY.isoformat(), "term_months": "36", "reason": "入职时未签书面合同，补签"})
    contract = Contract.objects.get(staff=contract_staff)
    assert response.status_code == 302 and response["Location"] == reverse("contracts:contract_detail", args=[contract.pk])
    assert contract.state == "draft" and contract.history.get().history_change_reason == "入职时未签书面合同，补签"
    page = client.get(reverse("people:staff_detail", args=[contract_staff.pk])).content.decode()
    assert 'data-testid="contract-draft"' not in page  # one at a time
    refused = client.post(reverse("contracts:contract_create", args=[contract_staff.pk]),
                          {"starts_on": TODAY.isoformat(), "term_months": "36", "reason": "再来一份"})
    assert refused.status_code == 400 and "同一时间只能有一份合同" in refused.content.decode()
    assert login("hr2").post(reverse("contracts:contract_create", args=[contract_staff.pk]),
                             {"starts_on": TODAY.isoformat(), "term_months": "36", "reason": "越权"}).status_code == 403
    assert Contract.objects.filter(staff=contract_staff).count() == 1


def test_the_change_log_names_contract_records_in_chinese(login, proposed):
    html = login("auditor").get("/audit/changes/", {"model": "contracts.renewalcase"}).content.decode()
    assert "的合同续聘" in html and "Renewal of" not in html
    html = login("auditor").get("/audit/changes/", {"model": "contracts.contract"}).content.decode()
    assert "劳动合同 · " in html and "contract from" not in html and "object (" not in html
