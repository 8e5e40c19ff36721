"""Every business action on a contract: one function each, atomic, audited, the law cited on refusal.

Steps that belong to the renewal process also complete its viewflow task in the same transaction
(hrflow.core.flowsteps), so the inbox and the record never disagree.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from hrflow.core import clock, flowsteps
from hrflow.core.history import save_audited
from hrflow.core.validators import policy_message
from hrflow.notifications.services import notify
from hrflow.org.models import Role
from hrflow.people.models import EmploymentType, Staff
from hrflow.policy import INSTITUTIONAL, LABOUR, RULES, PolicyInputError, check_contract, open_ended_due, probation_max_months, term_end
from hrflow.policy.contracts import EMPLOYMENT_TYPE_OF_KIND, service_months

from .models import Contract, DispatchAgreement, RenewalCase
from .signals import contract_not_renewed

C = Contract.State
# STAFF-PURCHASE: purchased-service staff are employed by the service company, dispatched staff by
# their agency (LAW-DISPATCH): the school holds a contract only with establishment and contract staff.
KIND_BY_EMPLOYMENT = {
    EmploymentType.ESTABLISHMENT: INSTITUTIONAL,
    EmploymentType.CONTRACT: LABOUR,
}
MAX_TERM_MONTHS = 120  # a fixed term beyond 10 years is a typing error, not a contract
# Checks the apps above register at start-up (exits: no renewal while the employment is in an exit
# case): contract -> the refusal in words, or None.
RENEWAL_GUARDS: list = []


class ContractError(Exception):
    """A refused action, with a message for the user (the rule cited where one applies)."""


class ReasonRequired(ContractError):
    """A soft rule (原则上) is not met: the action needs a written reason."""


def _day(value) -> str:
    return date_format(value, "DATE_FORMAT")


def _lock(contract) -> Contract:
    return Contract.objects.select_for_update().select_related("staff__person", "staff__school__unit").get(pk=contract.pk)


def _employer_contracts(staff):
    """Contracts of this person with this employer (the school), any state but a withdrawn draft."""
    return Contract.objects.filter(staff__person_id=staff.person_id, staff__school_id=staff.school_id).exclude(
        state=C.ENDED, signed_on__isnull=True)


def _earlier_probation(contract) -> bool:
    """LAW-PROBATION: one probation per employer and person, read from the contract history."""
    return (_employer_contracts(contract.staff).exclude(pk=contract.pk).exclude(state=C.DRAFT)
            .filter(probation_months__gt=0).exists())


def contract_create_draft(*, staff: Staff, starts_on: date, term_months: int | None, acting_user, reason: str,
                          post: str = "") -> Contract | None:
    """A draft contract for a new hire, with the longest probation the law allows as a proposal.

    Dispatched and purchased-service staff get none: their employer is the agency or the company."""
    kind = KIND_BY_EMPLOYMENT.get(staff.employment_type)
    if kind is None:
        return None
    earlier = Contract.objects.filter(staff__person=staff.person).exclude(state=C.DRAFT)
    with_employer = earlier.filter(staff__school=staff.school, probation_months__gt=0).exists()
    # 初次就业 is proposed as "no contract on record anywhere"; HR confirms or corrects it at signing.
    first = not earlier.exists()
    probation = 0 if with_employer else probation_max_months(
        employment_type=EMPLOYMENT_TYPE_OF_KIND[kind], term_months=term_months, first_employment=first,
    )
    contract = Contract(staff=staff, kind=kind, starts_on=starts_on, term_months=term_months, probation_months=probation,
                        first_employment=first, post=post or staff.get_post_category_display())
    contract.set_dates()
    return save_audited(contract, user=acting_user, reason=reason)


@transaction.atomic
def contract_draft_for(*, staff: Staff, starts_on: date, term_months: int | None, acting_user, reason: str) -> Contract:
    """HR drafts a contract for a staff member recorded without one (added by hand, or whose last one
    ended): establishment and contract staff only, one at a time."""
    staff = Staff.objects.select_for_update().select_related("person", "school__unit").get(pk=staff.pk)
    if staff.employment_type not in KIND_BY_EMPLOYMENT:
        raise ContractError(_("Dispatched and purchased-service staff hold no contract with the school."))
    if not staff.is_current:
        raise ContractError(_("This person no longer works here."))
    if not reason.strip():
        raise ContractError(_("Give a reason for the record."))
    if term_months is not None and not 1 <= term_months <= MAX_TERM_MONTHS:
        raise ContractError(_("A fixed term runs from 1 to %(max)d months; leave it empty for an open-ended contract.") % {"max": MAX_TERM_MONTHS})
    if starts_on < staff.hired_on:
        raise ContractError(_("The contract cannot start before the hire date (%(day)s).") % {"day": _day(staff.hired_on)})
    if starts_on > clock.today() + timedelta(days=366):
        raise ContractError(_("A contract starts at most a year after it is signed."))
    current = Contract.objects.filter(staff=staff).exclude(state__in=(C.ENDED, C.RENEWED)).first()
    if current is not None:
        raise ContractError(_("This staff member already has a contract (%(state)s): one at a time.") % {"state": current.get_state_display()})
    return contract_create_draft(staff=staff, starts_on=starts_on, term_months=term_months, acting_user=acting_user, reason=reason.strip())


@dataclass
class Terms:
    """What HR fills in at signing."""

    starts_on: date
    term_months: int | None
    probation_months: int
    agreed_pay: Decimal
    probation_pay: Decimal | None
    post: str = ""
    evaluation_method: str = ""
    first_employment: bool = False
    task_based: bool = False


def check_terms(contract: Contract, terms: Terms):
    """The law's findings on `terms` for `contract`: a list of policy ContractFindings."""
    return check_contract(
        employment_type=EMPLOYMENT_TYPE_OF_KIND[contract.kind], term_months=terms.term_months,
        probation_months=terms.probation_months, first_employment=terms.first_employment, task_based=terms.task_based,
        earlier_probation_with_employer=_earlier_probation(contract), agreed_pay=terms.agreed_pay,
        probation_pay=terms.probation_pay, minimum_wage=settings.HRFLOW["MINIMUM_MONTHLY_WAGE"],
    )


def _finding_text(finding) -> str:
    return _(finding.template) % finding.params if finding.params else _(finding.template)


@transaction.atomic
def contract_sign(*, contract: Contract, terms: Terms, signed_on: date, acting_user, reason: str = "") -> Contract:
    """Record the signature of a draft with its final terms. Refused with the rule cited where the
    probation or its pay breaks the law; a soft rule (INST-TERM) needs `reason`. A contract whose
    start has come begins at once (in probation, or active); a later one waits for the daily job."""
    contract = _lock(contract)
    if not can_proceed(contract.sign):
        raise ContractError(_("Only a draft can be signed; this contract is “%(state)s”.") % {"state": contract.get_state_display()})
    today = clock.today()
    if signed_on > today:
        raise ContractError(_("The signing date cannot be in the future."))
    if signed_on < contract.staff.hired_on:
        # Signed before the hire was decided: a backdated paper, not a record of what happened.
        raise ContractError(_("The signing date cannot be before the hire (%(day)s).") % {"day": _day(contract.staff.hired_on)})
    if terms.starts_on < contract.staff.hired_on:
        raise ContractError(_("The contract cannot start before the hire date (%(day)s).") % {"day": _day(contract.staff.hired_on)})
    if terms.starts_on > signed_on + timedelta(days=366):
        raise ContractError(_("A contract starts at most a year after it is signed."))
    if terms.term_months is not None and not 1 <= terms.term_months <= MAX_TERM_MONTHS:
        raise ContractError(_("A fixed term runs from 1 to %(max)d months; leave it empty for an open-ended contract.") % {"max": MAX_TERM_MONTHS})
    if terms.task_based and terms.term_months is None:
        raise ContractError(_("A contract for a given task states when the task is expected to end (its term in months)."))
    _check_no_overlap(contract, terms)
    try:
        findings = check_terms(contract, terms)
    except PolicyInputError as error:
        raise ContractError(policy_message(error)) from None
    hard = [f for f in findings if f.hard]
    if hard:
        raise ContractError(" ".join(_finding_text(f) for f in hard))
    soft = [f for f in findings if not f.hard]
    if soft and not reason.strip():
        raise ReasonRequired(" ".join(_finding_text(f) for f in soft))
    for name in ("starts_on", "term_months", "probation_months", "agreed_pay", "post", "evaluation_method", "first_employment", "task_based"):
        setattr(contract, name, getattr(terms, name))
    contract.probation_pay = terms.probation_pay if terms.probation_months else None
    contract.signed_on = signed_on
    contract.set_dates()
    contract.sign()
    text = _("Contract signed on %(day)s") % {"day": _day(signed_on)}
    if soft:
        text = _("%(text)s; %(rules)s: %(reason)s") % {"text": text, "rules": "、".join(_(RULES[f.rule].title) for f in soft),
                                                      "reason": reason.strip()}
    save_audited(contract, user=acting_user, reason=text)
    if contract.starts_on <= today:
        _begin(contract, acting_user)
    return contract


def _check_no_overlap(contract, terms):
    """One contract at a time per employment: a term may not overlap another one's, and a renewal
    starts the day after the contract it renews ends."""
    if contract.renews_id and terms.starts_on != contract.renews.ends_on + timedelta(days=1):
        raise ContractError(_("A renewal starts the day after the contract it renews ends (%(day)s).") % {
            "day": _day(contract.renews.ends_on + timedelta(days=1))})
    end = term_end(terms.starts_on, terms.term_months)
    others = Contract.objects.filter(staff=contract.staff).exclude(pk=contract.pk).exclude(state__in=(C.DRAFT, C.ENDED))
    for other in others:
        if (other.ends_on is None or other.ends_on >= terms.starts_on) and (end is None or other.starts_on <= end):
            raise ContractError(_("The term overlaps the contract from %(start)s (%(state)s): one contract at a time.") % {
                "start": _day(other.starts_on), "state": other.get_state_display()})


def _begin(contract, user):
    if contract.probation_months:
        contract.begin_probation()
        text = _("The contract began on %(day)s; probation until %(end)s") % {"day": _day(contract.starts_on), "end": _day(contract.probation_ends_on)}
    else:
        contract.begin()
        text = _("The contract began on %(day)s") % {"day": _day(contract.starts_on)}
    save_audited(contract, user=user, reason=text)


@transaction.atomic
def contract_confirm(*, contract: Contract, acting_user, reason: str) -> Contract:
    """The probation is passed (转正), on or before its last day."""
    contract = _lock(contract)
    if not can_proceed(contract.confirm):
        raise ContractError(_("Only a contract in probation can be confirmed."))
    if not reason.strip():
        raise ContractError(_("Say how the probation went."))
    contract.confirm()
    contract.confirmed_on = clock.today()
    return save_audited(contract, user=acting_user, reason=_("Probation passed: %(reason)s") % {"reason": reason.strip()})


@transaction.atomic
def contract_grade_term(*, contract: Contract, grade: str, note: str, acting_user) -> Contract:
    """Record the term's evaluation (聘期考核, 三(四)2) by the method the contract states."""
    contract = _lock(contract)
    if contract.state not in Contract.RUNNING:
        raise ContractError(_("A term is evaluated while its contract runs."))
    if grade not in Contract.TermGrade.values:
        raise ContractError(_("Choose 合格 or 不合格."))
    if not note.strip():
        raise ContractError(_("Describe the evaluation: who assessed and on what."))
    case = RenewalCase.objects.filter(contract=contract).first()
    if case is not None and case.state != RenewalCase.State.RETURNED:
        # The proposal cites this grade: changing it under the leaders' feet would void their decision.
        raise ContractError(_("A renewal proposal cites this evaluation: it can be changed only after the leaders return the proposal."))
    contract.term_grade = grade
    contract.term_grade_note = note.strip()
    return save_audited(contract, user=acting_user, reason=_("Term evaluated: %(grade)s") % {"grade": contract.get_term_grade_display()})


@transaction.atomic
def contract_withdraw(*, contract: Contract, acting_user, reason: str) -> Contract:
    """Withdraw a draft that will never be signed (the person did not take up the post)."""
    contract = _lock(contract)
    if contract.state != C.DRAFT:
        raise ContractError(_("Only a draft can be withdrawn; a signed contract ends through the exit workflow."))
    if not reason.strip():
        raise ContractError(_("Say why the draft is withdrawn."))
    contract.end()
    contract.ended_on = clock.today()
    contract.end_reason = reason.strip()
    return save_audited(contract, user=acting_user, reason=_("Draft withdrawn: %(reason)s") % {"reason": reason.strip()})


# --- Renewal ---------------------------------------------------------------------------------

def flow_class():
    from workflows.flows import RenewalFlow

    return RenewalFlow


def _complete(case, node, user):
    flowsteps.complete_step(flow_class(), case.process_id, node, user,
                            busy_message=_("Someone else is acting on this renewal; try again in a moment."))


def renewal_facts(contract: Contract) -> list[str]:
    """Why an open-ended contract is due if this contract is renewed (LAW-OPEN-ENDED), in words."""
    chain, current = [], contract
    while current is not None and len(chain) < 50:
        chain.append(current)
        current = current.renews
    first = chain[-1]
    end = contract.ends_on or clock.today()
    months, _rest = service_months(first.starts_on, end + timedelta(days=1))
    fixed = 0
    for c in chain:
        if c.term_months is None or c.task_based:
            break
        fixed += 1
    return [_(r) for r in open_ended_due(employment_type=EMPLOYMENT_TYPE_OF_KIND[contract.kind],
                                         continuous_service_months=months, consecutive_fixed_terms=fixed)]


def _check_proposal(contract, renew, new_term_months, person_asked_fixed_term, reason):
    if not reason.strip():
        raise ContractError(_("Give the reasons for the proposal, citing the term's evaluation."))
    if not contract.term_grade:
        raise ContractError(_("Record the term's evaluation (聘期考核) first: the proposal cites it."))
    if renew and new_term_months is not None and not 1 <= new_term_months <= MAX_TERM_MONTHS:
        raise ContractError(_("A fixed term runs from 1 to %(max)d months; leave it empty for an open-ended contract.") % {"max": MAX_TERM_MONTHS})
    due = renewal_facts(contract)
    if renew and due and new_term_months is not None and not person_asked_fixed_term:
        raise ContractError(_("An open-ended contract is due (%(why)s): propose one, unless the person asked for a fixed term (劳动合同法 art. 14).") % {"why": "; ".join(due)})
    return due


def school_users(unit_ids, role):
    """The users holding `role` at the schools of `unit_ids` (their org units)."""
    return get_user_model().objects.filter(role_assignments__role=role, role_assignments__unit_id__in=unit_ids, is_active=True).distinct()


def _notify(recipients, event_key, subject, body, contract):
    """`subject` is a callable: the text is written in the site's language, like the audit trail."""
    with translation.override(settings.LANGUAGE_CODE):
        notify(recipients=recipients, event_key=event_key, subject=subject(), body=str(body),
               url=reverse("contracts:contract_detail", args=[contract.pk]))


def _notify_leaders(case, subject):
    _notify(school_users([case.contract.staff.school.unit_id], Role.SCHOOL_LEADER),
            f"contracts.renewal:{case.pk}:{case.history.count()}", subject, case.contract, case.contract)


@transaction.atomic
def renewal_propose(*, contract: Contract, renew: bool, new_term_months: int | None, reason: str, acting_user,
                    person_asked_fixed_term: bool = False) -> RenewalCase:
    """HR's proposal for a contract that is ending: renew (with the new term) or not. Starts the
    renewal process; a school leader decides."""
    contract = _lock(contract)
    if contract.state != C.EXPIRING:
        raise ContractError(_("A renewal is proposed for a contract that is ending."))
    if RenewalCase.objects.filter(contract=contract).exists():
        raise ContractError(_("A renewal of this contract has already been proposed."))
    due = _check_proposal(contract, renew, new_term_months, person_asked_fixed_term, reason)
    case = RenewalCase(contract=contract, renew=renew, new_term_months=new_term_months if renew else None,
                       term_grade=contract.term_grade, open_ended_due="; ".join(due), reason=reason.strip(),
                       person_asked_fixed_term=person_asked_fixed_term, proposed_by=acting_user)
    save_audited(case, user=acting_user, reason=_proposal_text(case))
    case.process = flow_class().start.run(case=case)
    save_audited(case, user=acting_user, reason=_("Sent to the school's leaders for a decision"))
    _notify_leaders(case, lambda: _("A contract renewal awaits your decision: %(person)s") % {"person": contract.staff.person.name})
    return case


def _proposal_text(case) -> str:
    if not case.renew:
        return _("Proposed not to renew (term evaluation: %(grade)s): %(reason)s") % {
            "grade": case.get_term_grade_display(), "reason": case.reason}
    term = _("open-ended") if case.new_term_months is None else _("%(n)d months") % {"n": case.new_term_months}
    return _("Proposed to renew for %(term)s (term evaluation: %(grade)s): %(reason)s") % {
        "term": term, "grade": case.get_term_grade_display(), "reason": case.reason}


def _lock_case(case) -> RenewalCase:
    return RenewalCase.objects.select_for_update().select_related("contract__staff__person", "contract__staff__school__unit").get(pk=case.pk)


@transaction.atomic
def renewal_revise(*, case: RenewalCase, renew: bool, new_term_months: int | None, reason: str, acting_user,
                   person_asked_fixed_term: bool = False) -> RenewalCase:
    """HR revises a returned proposal and sends it back to the leaders."""
    case = _lock_case(case)
    if not can_proceed(case.resubmit):
        raise ContractError(_("Only a proposal returned by the leaders can be revised."))
    contract = _lock(case.contract)
    due = _check_proposal(contract, renew, new_term_months, person_asked_fixed_term, reason)
    case.renew, case.new_term_months = renew, (new_term_months if renew else None)
    case.term_grade, case.open_ended_due, case.reason = contract.term_grade, "; ".join(due), reason.strip()
    case.person_asked_fixed_term = person_asked_fixed_term
    case.resubmit()
    save_audited(case, user=acting_user, reason=_proposal_text(case))
    _complete(case, "revise", acting_user)
    _notify_leaders(case, lambda: _("A revised contract renewal awaits your decision: %(person)s") % {"person": contract.staff.person.name})
    return case


@transaction.atomic
def renewal_decide(*, case: RenewalCase, approve: bool, reason: str, acting_user) -> RenewalCase:
    """A school leader approves the proposal (a renewal drafts the new contract; not renewing hands the
    employment to the exit seam) or returns it to HR with the reason."""
    case = _lock_case(case)
    if case.state != RenewalCase.State.PROPOSED:
        raise ContractError(_("This proposal is not awaiting a decision."))
    if not reason.strip():
        raise ContractError(_("Give the reasons for the decision."))
    if case.proposed_by_id == acting_user.pk:
        raise ContractError(_("Whoever proposed the renewal cannot also decide it."))
    contract = _lock(case.contract)
    if approve and case.renew:
        for guard in RENEWAL_GUARDS:
            refusal = guard(contract)
            if refusal:
                raise ContractError(refusal)
    case.decided_by, case.decision_reason = acting_user, reason.strip()
    if not approve:
        case.return_to_hr()
        save_audited(case, user=acting_user, reason=_("Returned to HR: %(reason)s") % {"reason": case.decision_reason})
        _complete(case, "approve", acting_user)
        _notify([case.proposed_by], f"contracts.renewal_returned:{case.pk}:{case.history.count()}",
                lambda: _("Renewal proposal returned: %(person)s") % {"person": contract.staff.person.name}, case.decision_reason, contract)
        return case
    case.approve()
    if case.renew:
        new = Contract(staff=contract.staff, kind=contract.kind, post=contract.post, starts_on=contract.ends_on + timedelta(days=1),
                       term_months=case.new_term_months, probation_months=0, agreed_pay=contract.agreed_pay,
                       evaluation_method=contract.evaluation_method, renews=contract)
        new.set_dates()
        save_audited(new, user=acting_user, reason=_("Drafted by the approved renewal of the contract from %(day)s") % {"day": _day(contract.starts_on)})
        case.new_contract = new
        contract.renew()
        save_audited(contract, user=acting_user, reason=_("Renewal approved: %(reason)s") % {"reason": case.decision_reason})
    save_audited(case, user=acting_user, reason=_("Approved: %(reason)s") % {"reason": case.decision_reason})
    _complete(case, "approve", acting_user)
    _notify([case.proposed_by], f"contracts.renewal_approved:{case.pk}",
            lambda: _("Renewal proposal approved: %(person)s") % {"person": contract.staff.person.name}, case.decision_reason, contract)
    if not case.renew:
        transaction.on_commit(lambda: contract_not_renewed.send(sender=RenewalCase, case=case, acting_user=acting_user))
    return case


# --- Dispatch ----------------------------------------------------------------------------------

@transaction.atomic
def dispatch_record(*, staff: Staff, data: dict, acting_user, reason: str, agreement: DispatchAgreement | None = None) -> DispatchAgreement:
    """Record (or correct) the dispatch agreement of a dispatched staff member."""
    if staff.employment_type != EmploymentType.DISPATCHED:
        raise ContractError(_("Only dispatched staff have a dispatch agreement."))
    if data["ends_on"] < data["starts_on"]:
        raise ContractError(_("The agreement cannot end before it starts."))
    if not reason.strip():
        raise ContractError(_("Give a reason for the record."))
    others = DispatchAgreement.objects.filter(staff=staff, starts_on__lte=data["ends_on"], ends_on__gte=data["starts_on"])
    if agreement is not None:
        others = others.exclude(pk=agreement.pk)
    clash = others.first()
    if clash is not None:
        raise ContractError(_("The period overlaps the agreement with %(agency)s (%(start)s – %(end)s).") % {
            "agency": clash.agency, "start": _day(clash.starts_on), "end": _day(clash.ends_on)})
    agreement = agreement or DispatchAgreement(staff=staff)
    for name, value in data.items():
        setattr(agreement, name, value)
    return save_audited(agreement, user=acting_user, reason=reason.strip())
