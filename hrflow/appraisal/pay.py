"""Performance pay (绩效工资, 三(四)2 按劳分配) from a cycle's grades.

The base part (基础性) is the school's pay table by post, title or skill level and education, per
month of the period. The reward part (奖励性) is the budget's reward share, split by grade
coefficient × work done (hrflow.policy.allocate_pool: to the fen, summing to the pool exactly); a
vetoed person's share is zero (VETO-PAY). A run is a job with progress; it can be re-run until the
school's leaders approve it, then it is locked. Lines are keyed by (run, appraisal): a re-run
rewrites them, never adds. Money is Decimal from the form to the database.
"""

import logging
import threading
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
import pandas as pd
from simple_history.utils import bulk_update_with_history

from hrflow.core.bulk import (
    ANALYZE_AFTER_ROWS, bulk_transition, insert_rows_returning_ids, refresh_statistics, snapshot_ids, update_rows,
)
from hrflow.core.history import save_audited
from hrflow.policy import PolicyInputError, allocate_pool_frame
from hrflow.policy.appraisal import money_fen

from .models import Appraisal, BasePayRate, Cycle, GradeChoices, PayLine, PayRun, SchoolCycle
from .services import AppraisalError, _conf, _policy

log = logging.getLogger(__name__)
P = PayRun.State
FEN = Decimal("0.01")
PAYABLE_CYCLES = (Cycle.State.PUBLISHED, Cycle.State.CLOSED)
BUDGET_LIMIT = Decimal("999999999.99")
RATE_LIMIT = Decimal("999999.99")
LINE_FIELDS_UPDATED = ["base_monthly", "base_amount", "grade", "coefficient", "reward_amount", "note", "flagged"]


def _months(cycle) -> int:
    """Whole months the period spans (a year: 12), at least one."""
    start, end = cycle.period_start, cycle.period_end
    return max(1, (end.year - start.year) * 12 + end.month - start.month + 1)


def defaults(cycle) -> dict:
    c = _conf()
    co = c["COEFFICIENTS"]
    return {"reward_share": Decimal(c["REWARD_SHARE"]), "months": _months(cycle), "coef_excellent": Decimal(co["excellent"]),
            "coef_competent": Decimal(co["competent"]), "coef_basic": Decimal(co["basic"]), "coef_incompetent": Decimal(co["incompetent"])}


def _check(values: dict):
    _policy(lambda: money_fen(values["budget"], _("The budget")))
    if values["budget"] > BUDGET_LIMIT:
        raise AppraisalError(_("A budget beyond a billion yuan is a typing error."))
    share = values["reward_share"]
    if not (isinstance(share, Decimal) and share.is_finite() and 0 <= share <= 1):
        raise AppraisalError(_("The reward share is a share from 0 to 1."))
    if not 1 <= values["months"] <= 72:
        raise AppraisalError(_("Months of base part: from 1 to 72."))
    for key in ("coef_excellent", "coef_competent", "coef_basic", "coef_incompetent"):
        value = values[key]
        if not (isinstance(value, Decimal) and value.is_finite() and 0 <= value <= 10):
            raise AppraisalError(_("A grade coefficient is a number from 0 to 10."))


@transaction.atomic
def pay_run_save(*, school_cycle: SchoolCycle, values: dict, acting_user) -> PayRun:
    """Create or change a school's pay run for a published cycle (not once approved)."""
    school_cycle = SchoolCycle.objects.select_related("cycle", "school").get(pk=school_cycle.pk)
    if school_cycle.cycle.state not in PAYABLE_CYCLES:
        raise AppraisalError(_("Performance pay is computed from published grades."))
    _check(values)
    run = PayRun.objects.select_for_update().filter(cycle=school_cycle.cycle, school=school_cycle.school).first()
    if run is None:
        run = PayRun(cycle=school_cycle.cycle, school=school_cycle.school, created_by=acting_user)
    elif run.state in (P.APPROVED, P.QUEUED, P.RUNNING):
        raise AppraisalError(_("This pay run is approved and locked.") if run.state == P.APPROVED else _("This pay run is being computed."))
    for key, value in values.items():
        setattr(run, key, value)
    return save_audited(run, user=acting_user, reason=_("Pay run settings recorded"))


@transaction.atomic
def pay_run_start(*, run: PayRun, acting_user) -> PayRun:
    """Queue the computation; a double click finds it queued."""
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.state in (P.QUEUED, P.RUNNING):
        return run
    if run.state == P.APPROVED:
        raise AppraisalError(_("This pay run is approved and locked."))
    run.message = ""
    run.queue()
    save_audited(run, user=acting_user, reason=_("Pay run queued"))
    _dispatch(run.pk, acting_user.pk)
    return run


def _dispatch(run_id, user_id):
    if settings.CELERY_BROKER_URL:
        from .tasks import compute_pay_run

        transaction.on_commit(lambda: compute_pay_run.delay(run_id, user_id))
    elif settings.HRFLOW["PAY_RUNS_IN_THREAD"]:
        transaction.on_commit(lambda: threading.Thread(target=_in_thread, args=(run_id, user_id), daemon=True).start())
    else:
        transaction.on_commit(lambda: compute(run_id, user_id))


def _in_thread(run_id, user_id):
    try:
        compute(run_id, user_id)
    finally:
        connection.close()


class RateTable:
    """The most specific rate for (post category, title, education); empty fields match any."""

    def __init__(self, rates: dict):
        self.rates = rates

    @classmethod
    def for_schools(cls, school_ids) -> dict:
        rates = {school: {} for school in school_ids}
        for school, category, title, education, monthly in BasePayRate.objects.filter(school_id__in=list(school_ids)).values_list(
                "school_id", "post_category", "title", "education", "monthly"):
            rates[school][(category, title, education)] = monthly
        return {school: cls(table) for school, table in rates.items()}

    def monthly(self, category, title, education) -> Decimal | None:
        for key in ((category, title, education), (category, title, ""), (category, "", education), (category, "", ""),
                    ("", title, education), ("", title, ""), ("", "", education), ("", "", "")):
            if key in self.rates:
                return self.rates[key]
        return None


def _coefficient(run, appraisal_row) -> tuple[Decimal, str]:
    grade, vetoed, scoring = appraisal_row["grade"], appraisal_row["vetoed"], appraisal_row["scoring"]
    if vetoed:
        return Decimal(0), _("Vetoed: no reward part (VETO-PAY)")
    if not grade:
        note = _("Not graded this cycle: the 合格 coefficient") if scoring == Appraisal.Scoring.NOT_GRADED else ""
        return run.coef_competent, note
    return {GradeChoices.EXCELLENT: run.coef_excellent, GradeChoices.COMPETENT: run.coef_competent,
            GradeChoices.BASIC: run.coef_basic, GradeChoices.INCOMPETENT: run.coef_incompetent}[grade], ""


def compute(run_id: int, user_id: int) -> PayRun | None:
    """The job of one run (see compute_many)."""
    compute_many([run_id], user_id)
    return PayRun.objects.filter(pk=run_id).first()


def compute_many(run_ids: list[int], user_id: int) -> int:
    """The job: every line of every queued run given, in bulk (one read, the pool split by
    hrflow.policy's frame form, one write with history). A person without a rate in the pay table
    is marked (that run cannot be approved until the table covers them); the others go on. A run
    whose pool cannot be split fails with its reason; the other runs are computed."""
    from django.contrib.auth import get_user_model

    claimed = list(PayRun.objects.filter(pk__in=run_ids, state=P.QUEUED).values_list("pk", flat=True))
    PayRun.objects.filter(pk__in=claimed, state=P.QUEUED).update(state=P.RUNNING, started_at=timezone.now(), lines_done=0)
    if not claimed:
        return 0
    user = get_user_model().objects.get(pk=user_id)
    with override(settings.LANGUAGE_CODE):
        runs = list(PayRun.objects.filter(pk__in=claimed))
        try:
            return _compute(runs, user)
        except Exception as error:  # a job never stays "computing": the run fails with its reason and may be re-run
            log.exception("pay runs %s failed", claimed)
            message = (str(error) if isinstance(error, AppraisalError) else _policy_text(error) if isinstance(error, PolicyInputError)
                       else _("An unexpected error stopped the computation; start it again, or tell the administrator if it recurs."))
            with transaction.atomic():
                for run in PayRun.objects.select_for_update().filter(pk__in=claimed, state=P.RUNNING):
                    run.message = message
                    run.fail()
                    save_audited(run, user=user, reason=_("Pay run could not be computed: %(why)s") % {"why": message})
            return 0


def _policy_text(error):
    from hrflow.core.validators import policy_message

    return policy_message(error)


def _compute(runs: list[PayRun], user) -> int:
    by_school = {run.school_id: run for run in runs}
    cycle_ids = {run.cycle_id for run in runs}
    if len(cycle_ids) != 1:
        raise AppraisalError(_("Pay runs are computed one cycle at a time."))
    rows = list(Appraisal.objects.filter(cycle_id__in=cycle_ids, school_id__in=list(by_school)).order_by("school_id", "id").values_list(
        "id", "school_id", "grade", "vetoed", "scoring", "staff__post_category", "staff__title", "staff__person__education"))
    tables = RateTable.for_schools(list(by_school))
    existing = {appraisal_id: (pk, units) for pk, appraisal_id, units in
                PayLine.objects.filter(run__in=runs).values_list("pk", "appraisal_id", "work_units")}
    pools = {school: (run.budget * run.reward_share).quantize(FEN, rounding=ROUND_HALF_UP) for school, run in by_school.items()}
    lines, shares = [], []
    no_rate = _("No rate in the school's pay table for this post, title and education")
    for appraisal_id, school_id, grade, vetoed, scoring, category, title, education in rows:
        run = by_school[school_id]
        monthly = tables[school_id].monthly(category, title, education)
        coefficient, note = _coefficient(run, {"grade": grade, "vetoed": vetoed, "scoring": scoring})
        line_id, units = existing.get(appraisal_id, (None, Decimal(1)))
        base = monthly * run.months if monthly is not None else Decimal(0)
        lines.append([line_id, run.pk, appraisal_id, monthly, base, grade, coefficient, units, None, no_rate if monthly is None else note,
                      monthly is None])
        shares.append((school_id, appraisal_id, coefficient * units))  # ≤ 6 places: read exactly
    frame = pd.DataFrame(shares, columns=["school", "key", "share"])
    amounts = allocate_pool_frame(pools, frame) if len(frame) else frame.assign(amount=[])
    for line, amount in zip(lines, amounts["amount"].tolist()):
        line[8] = amount
    reason = _("Pay line computed")
    with transaction.atomic():
        locked = {run.pk: run for run in PayRun.objects.select_for_update().filter(pk__in=[r.pk for r in runs])}
        if any(run.state != P.RUNNING for run in locked.values()):
            return 0  # approved or re-queued meanwhile: this result is stale
        fields = ["run", "appraisal", "base_monthly", "base_amount", "grade", "coefficient", "work_units", "reward_amount", "note", "flagged"]
        new = [line[1:] for line in lines if line[0] is None]
        new_ids = insert_rows_returning_ids(PayLine, fields, (tuple(line) for line in new), len(new))
        snapshot_ids(PayLine, new_ids, user=user, reason=reason, history_type="+")
        old = [(line[0], line[3], line[4], line[5], line[6], line[8], line[9], line[10]) for line in lines if line[0] is not None]
        update_rows(PayLine, LINE_FIELDS_UPDATED, old)
        snapshot_ids(PayLine, [line[0] for line in old], user=user, reason=reason)
        totals = {}
        for line in lines:
            t = totals.setdefault(line[1], [Decimal(0), 0, 0])
            t[0] += line[4]
            t[1] += 1
            t[2] += line[10]
        update_rows(PayRun, ["pool", "base_total", "lines_total", "lines_done", "lines_flagged", "message"],
                    [(pk, pools[run.school_id], totals.get(pk, [Decimal(0)])[0], totals.get(pk, [0, 0])[1], totals.get(pk, [0, 0])[1],
                      totals.get(pk, [0, 0, 0])[2], "") for pk, run in locked.items()])
        bulk_transition(PayRun, list(locked), "computed", source=P.RUNNING, user=user, reason=_("Pay run computed"))
    transaction.on_commit(lambda: refresh_statistics([PayLine]) if len(lines) >= ANALYZE_AFTER_ROWS else None)
    return len(lines)


@transaction.atomic
def work_units_save(*, run: PayRun, units: dict, acting_user) -> int:
    """Work done per person (attendance days, workload), the reward split's second factor. All or nothing."""
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.state in (P.APPROVED, P.QUEUED, P.RUNNING):
        raise AppraisalError(_("This pay run is approved and locked.") if run.state == P.APPROVED else _("This pay run is being computed."))
    lines = {line.pk: line for line in PayLine.objects.select_related("appraisal__staff__person").filter(run=run, pk__in=list(units))}
    changed = []
    for pk, text in units.items():
        line = lines.get(pk)
        if line is None:
            raise AppraisalError(_("This line is not in the pay run."))
        try:
            value = Decimal(text)
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite() or not 0 <= value <= 999999 or value != value.quantize(FEN):
            raise AppraisalError(_("%(person)s: work done is a number from 0 to 999999 with at most 2 decimal places.")
                                 % {"person": line.appraisal.staff.person.name})
        if value != line.work_units:
            line.work_units = value
            changed.append(line)
    bulk_update_with_history(changed, PayLine, ["work_units"], default_user=acting_user, default_change_reason=_("Work done recorded"))
    return len(changed)


@transaction.atomic
def pay_run_approve(*, run: PayRun, acting_user) -> PayRun:
    """The school's leaders approve the computed run; it is locked from then on."""
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.state != P.COMPUTED:
        raise AppraisalError(_("Only a computed pay run is approved."))
    if run.lines_flagged:
        raise AppraisalError(_("%(n)d lines need attention (no rate in the pay table): complete the table and compute again.") % {"n": run.lines_flagged})
    run.approved_by = acting_user
    run.approve()
    return save_audited(run, user=acting_user, reason=_("Pay run approved and locked"))


@transaction.atomic
def rate_save(*, school, post_category: str, title: str, education: str, monthly: Decimal, acting_user) -> BasePayRate:
    _policy(lambda: money_fen(monthly, _("The monthly amount")))
    if monthly > RATE_LIMIT:
        raise AppraisalError(_("A monthly base part beyond a million yuan is a typing error."))
    title = (title or "").strip()
    if len(title) > 100:
        raise AppraisalError(_("The title is too long: at most 100 characters."))
    rate, _created = BasePayRate.objects.get_or_create(school=school, post_category=post_category, title=title, education=education,
                                                       defaults={"monthly": monthly})
    rate.monthly = monthly
    return save_audited(rate, user=acting_user, reason=_("Pay table rate set to %(amount)s yuan a month") % {"amount": monthly})


@transaction.atomic
def rate_remove(*, rate: BasePayRate, acting_user) -> None:
    rate._history_user, rate._change_reason = acting_user, _("Pay table rate removed")
    rate.delete()
