"""Performance pay as QA found it: no approval of amounts computed from changed inputs, the budget
(绩效工资总量) as a ceiling, a pool that cannot be split refused in plain words, and a readable page
and export."""

import logging
from decimal import Decimal

import pytest
from django.test import TestCase

from hrflow.appraisal import pay
from hrflow.appraisal.forms import PayRunForm
from hrflow.appraisal.models import Appraisal, PayLine, PayRun
from hrflow.appraisal.services import AppraisalError

from .test_pay_appeals import published, run_pay

STALE = "compute it again|重新核算"


def computed(cycle, user, school, small_school, *, budget="200000", monthly="900", **values):
    """A published cycle's pay run, computed: seven people at `monthly` a month for 12 months."""
    sc = published(cycle, user, school, small_school)
    pay.rate_save(school=school, post_category="", title="", education="", monthly=Decimal(monthly), acting_user=user("hr"))
    run = pay.pay_run_save(school_cycle=sc, values={**pay.defaults(cycle), "budget": Decimal(budget), **values}, acting_user=user("hr"))
    run = run_pay(run, user)
    assert run.state == PayRun.State.COMPUTED, run.message
    return sc, run


def form_data(**changes):
    data = {"budget": "100000", "reward_share": "30", "months": "12", "coef_excellent": "1.2", "coef_competent": "1.0",
            "coef_basic": "0.8", "coef_incompetent": "0"}
    return {**data, **changes}


# ---- 1. inputs changed since the computation ----------------------------------------------------------------

def test_a_run_whose_work_done_changed_after_computing_is_not_approved_until_computed_again(cycle, user, school, small_school):
    _sc, run = computed(cycle, user, school, small_school)
    line = PayLine.objects.filter(run=run, coefficient__gt=0).order_by("pk").first()
    pay.work_units_save(run=run, units={line.pk: "2"}, acting_user=user("hr"))
    with pytest.raises(AppraisalError, match=STALE):
        pay.pay_run_approve(run=run, acting_user=user("leader"))
    run.refresh_from_db()
    assert run.state == PayRun.State.COMPUTED and run.message  # the page says why
    run = run_pay(run, user)
    pay.pay_run_approve(run=run, acting_user=user("leader"))
    run.refresh_from_db()
    assert run.state == PayRun.State.APPROVED
    assert sum(PayLine.objects.filter(run=run).values_list("reward_amount", flat=True)) == run.pool


def test_a_run_whose_pay_table_changed_after_computing_is_not_approved_until_computed_again(cycle, user, school, small_school):
    _sc, run = computed(cycle, user, school, small_school)
    pay.rate_save(school=school, post_category="", title="", education="", monthly=Decimal("950"), acting_user=user("hr"))
    with pytest.raises(AppraisalError, match=STALE):
        pay.pay_run_approve(run=run, acting_user=user("leader"))
    run.refresh_from_db()
    assert run.message
    run = run_pay(run, user)
    assert set(PayLine.objects.filter(run=run).values_list("base_amount", flat=True)) == {Decimal("950") * 12}
    pay.pay_run_approve(run=run, acting_user=user("leader"))
    run.refresh_from_db()
    assert run.state == PayRun.State.APPROVED


def test_a_removed_rate_after_computing_blocks_approval(cycle, user, school, small_school):
    sc, run = computed(cycle, user, school, small_school)
    category = Appraisal.objects.filter(cycle=cycle).values_list("staff__post_category", flat=True).first()
    specific = pay.rate_save(school=school, post_category=category, title="", education="", monthly=Decimal("1000"), acting_user=user("hr"))
    run = run_pay(run, user)
    pay.rate_remove(rate=specific, acting_user=user("hr"))
    with pytest.raises(AppraisalError, match=STALE):
        pay.pay_run_approve(run=run, acting_user=user("leader"))


def test_settings_changed_after_computing_block_approval(cycle, user, school, small_school):
    sc, run = computed(cycle, user, school, small_school)
    pay.pay_run_save(school_cycle=sc, values={**pay.defaults(cycle), "budget": Decimal("210000")}, acting_user=user("hr"))
    with pytest.raises(AppraisalError, match=STALE):
        pay.pay_run_approve(run=run, acting_user=user("leader"))


# ---- 2. the budget is a ceiling ---------------------------------------------------------------------------

@pytest.mark.parametrize("budget", ["0", "0.00"])
def test_a_zero_budget_is_refused_by_the_form(budget):
    form = PayRunForm(data=form_data(budget=budget))
    assert not form.is_valid() and "budget" in form.errors


def test_a_zero_budget_is_refused_by_the_service(cycle, user, school, small_school):
    sc = published(cycle, user, school, small_school)
    with pytest.raises(AppraisalError, match="budget|总量"):
        pay.pay_run_save(school_cycle=sc, values={**pay.defaults(cycle), "budget": Decimal("0")}, acting_user=user("hr"))


def test_a_payout_beyond_the_budget_is_shown_with_its_figures_and_not_approved(cycle, user, school, small_school, login):
    # 7 people × 900 × 12 = 75,600 base + 30% of 80,000 = 24,000 pool: 99,600 > 80,000.
    sc, run = computed(cycle, user, school, small_school, budget="80000")
    assert run.base_total == Decimal("75600.00") and run.pool == Decimal("24000.00")
    assert "99,600.00" in run.message and "80,000.00" in run.message
    page = login("hr").get(f"/appraisal/schools/{sc.pk}/pay/").content.decode()
    assert "99,600.00" in page and 'data-testid="run-message"' in page
    with pytest.raises(AppraisalError, match="99,600.00") as refused:
        pay.pay_run_approve(run=run, acting_user=user("leader"))
    assert "80,000.00" in str(refused.value) and "%(" not in str(refused.value)
    run.refresh_from_db()
    assert run.state == PayRun.State.COMPUTED


def test_a_payout_within_the_budget_has_no_warning_and_is_approved(cycle, user, school, small_school):
    # 75,600 + 30% of 108,000 = 32,400: exactly 108,000, the budget itself.
    _sc, run = computed(cycle, user, school, small_school, budget="108000")
    assert run.base_total + run.pool == run.budget and run.message == ""
    pay.pay_run_approve(run=run, acting_user=user("leader"))


# ---- 3. a pool that cannot be split ----------------------------------------------------------------------

def test_all_zero_coefficients_are_refused_by_the_form():
    form = PayRunForm(data=form_data(coef_excellent="0", coef_competent="0", coef_basic="0", coef_incompetent="0"))
    assert not form.is_valid()
    assert form.non_field_errors() or form.errors.get("coef_competent")


def test_all_zero_coefficients_with_no_reward_share_are_accepted_by_the_form():
    form = PayRunForm(data=form_data(reward_share="0", coef_excellent="0", coef_competent="0", coef_basic="0", coef_incompetent="0"))
    assert form.is_valid(), form.errors


def test_all_zero_coefficients_are_refused_by_the_service(cycle, user, school, small_school):
    sc = published(cycle, user, school, small_school)
    zero = {key: Decimal(0) for key in ("coef_excellent", "coef_competent", "coef_basic", "coef_incompetent")}
    with pytest.raises(AppraisalError, match="coefficient|系数"):
        pay.pay_run_save(school_cycle=sc, values={**pay.defaults(cycle), "budget": Decimal("100000"), **zero}, acting_user=user("hr"))
    assert not PayRun.objects.filter(cycle=cycle).exists()


def test_a_pool_nobody_can_share_is_refused_by_the_service(cycle, user, school, small_school):
    sc = published(cycle, user, school, small_school)
    Appraisal.objects.filter(cycle=cycle).update(vetoed=True)  # everyone vetoed: every share is zero (VETO-PAY)
    with pytest.raises(AppraisalError, match="coefficient|系数"):
        pay.pay_run_save(school_cycle=sc, values={**pay.defaults(cycle), "budget": Decimal("100000")}, acting_user=user("hr"))


def test_a_pool_that_cannot_be_split_fails_the_job_in_plain_words_without_a_traceback(cycle, user, school, small_school, caplog):
    _sc, run = computed(cycle, user, school, small_school)
    pay.work_units_save(run=run, units={pk: "0" for pk in PayLine.objects.filter(run=run).values_list("pk", flat=True)},
                        acting_user=user("hr"))
    with caplog.at_level(logging.INFO, logger="hrflow.appraisal.pay"):
        run = run_pay(run, user)
    assert run.state == PayRun.State.FAILED
    assert "60,000.00" in run.message  # the pool named
    assert "rows cannot be used" not in run.message and "行数据" not in run.message and "%(" not in run.message
    assert not [r for r in caplog.records if r.exc_info]


# ---- 4. the page and the export --------------------------------------------------------------------------

def test_the_pay_lines_keep_names_on_one_line(cycle, user, school, small_school, login):
    sc, run = computed(cycle, user, school, small_school)
    page = login("hr").get(f"/appraisal/schools/{sc.pk}/pay/").content.decode()
    name = PayLine.objects.filter(run=run).select_related("appraisal__staff__person").first().appraisal.staff.person.name
    assert f'<td class="hf-nowrap">{name}</td>' in page


def test_the_export_has_a_title_a_totals_row_and_money_formats(cycle, user, school, small_school):
    from openpyxl import load_workbook

    from hrflow.exports.models import ExportJob
    from hrflow.exports.services import export_dir, start_export

    _sc, run = computed(cycle, user, school, small_school)
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = start_export(user=user("hr"), kind="appraisal_pay_run", params={"run": run.pk})
    job = ExportJob.objects.get(pk=job.pk)
    assert job.status == ExportJob.Status.DONE
    book = load_workbook(export_dir() / job.file_name)
    sheet = book.worksheets[0]
    rows = [[c for c in row] for row in sheet.iter_rows()]
    title = " ".join(str(c.value) for c in rows[0] if c.value is not None)
    assert school.unit.name in title and cycle.name in title
    lines = PayLine.objects.filter(run=run).count()
    heading, data, totals = rows[1], rows[2:2 + lines], rows[2 + lines]
    assert heading[0].value in ("Name", "姓名")
    base_col, reward_col, total_col = 4, 7, 8
    assert Decimal(str(totals[base_col].value)) == run.base_total
    assert Decimal(str(totals[reward_col].value)) == run.pool
    assert Decimal(str(totals[total_col].value)) == run.base_total + run.pool
    for row in [*data, totals]:
        for col in (base_col, reward_col, total_col):
            assert row[col].number_format == "#,##0.00", (row[col].coordinate, row[col].number_format)
    assert all(row[3].number_format == "#,##0.00" for row in data)  # the monthly rate
