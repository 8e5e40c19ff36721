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
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from hrflow.core.history import save_audited
from hrflow.policy import PolicyInputError, allocate_pool
from hrflow.policy.appraisal import money_fen

from .models import Appraisal, BasePayRate, Cycle, GradeChoices, PayLine, PayRun, SchoolCycle
from .services import BATCH, AppraisalError, _conf, _policy

log = logging.getLogger(__name__)
P = PayRun.State
FEN = Decimal("0.01")
PAYABLE_CYCLES = (Cycle.State.PUBLISHED, Cycle.State.CLOSED)
LINE_FIELDS = ["base_monthly", "base_amount", "grade", "coefficient", "reward_amount", "note", "flagged"]


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

    def __init__(self, school_id):
        self.rates = {(r.post_category, r.title, r.education): r.monthly for r in BasePayRate.objects.filter(school_id=school_id)}

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
    """The job: every line of the run, in one transaction at the end. A person without a rate in the
    pay table is marked (the run cannot be approved until the table covers them); the others go on."""
    from django.contrib.auth import get_user_model

    claimed = PayRun.objects.filter(pk=run_id, state=P.QUEUED).update(state=P.RUNNING, started_at=timezone.now(), lines_done=0)
    if not claimed:
        return None
    run = PayRun.objects.select_related("cycle", "school").get(pk=run_id)
    user = get_user_model().objects.get(pk=user_id)
    with override(settings.LANGUAGE_CODE):
        try:
            _compute(run, user)
        except (AppraisalError, PolicyInputError) as error:
            log.info("pay run %s failed: %s", run_id, error)
            with transaction.atomic():
                run = PayRun.objects.select_for_update().get(pk=run_id)
                run.message = str(error) if isinstance(error, AppraisalError) else _policy_text(error)
                run.fail()
                save_audited(run, user=user, reason=_("Pay run could not be computed: %(why)s") % {"why": run.message})
    return PayRun.objects.get(pk=run_id)


def _policy_text(error):
    from hrflow.core.validators import policy_message

    return policy_message(error)


def _compute(run: PayRun, user) -> None:
    rows = list(Appraisal.objects.filter(cycle_id=run.cycle_id, school_id=run.school_id).order_by("id").values(
        "id", "grade", "vetoed", "scoring", "staff__post_category", "staff__title", "staff__person__education"))
    PayRun.objects.filter(pk=run.pk).update(lines_total=len(rows))
    table = RateTable(run.school_id)
    existing = {line.appraisal_id: line for line in PayLine.objects.filter(run=run)}
    pool = (run.budget * run.reward_share).quantize(FEN, rounding=ROUND_HALF_UP)
    lines, shares = [], {}
    for i, row in enumerate(rows):
        line = existing.get(row["id"]) or PayLine(run=run, appraisal_id=row["id"])
        monthly = table.monthly(row["staff__post_category"], row["staff__title"], row["staff__person__education"])
        coefficient, note = _coefficient(run, row)
        line.base_monthly = monthly
        line.base_amount = (monthly * run.months) if monthly is not None else Decimal(0)
        line.grade, line.coefficient = row["grade"], coefficient
        line.flagged = monthly is None
        line.note = _("No rate in the school's pay table for this post, title and education") if monthly is None else note
        shares[row["id"]] = coefficient * line.work_units  # ≤ 6 places: allocate_pool reads it exactly
        lines.append(line)
        if i % 5000 == 4999:
            PayRun.objects.filter(pk=run.pk).update(lines_done=i + 1)
    amounts = allocate_pool(pool, shares) if rows else {}
    for line in lines:
        line.reward_amount = amounts.get(line.appraisal_id, Decimal(0))
    reason = _("Pay line computed")
    with transaction.atomic():
        locked = PayRun.objects.select_for_update().get(pk=run.pk)
        if locked.state != P.RUNNING:
            return  # approved or re-queued meanwhile: this result is stale
        new = [line for line in lines if line.pk is None]
        old = [line for line in lines if line.pk is not None]
        bulk_create_with_history(new, PayLine, batch_size=BATCH, default_user=user, default_change_reason=reason)
        bulk_update_with_history(old, PayLine, LINE_FIELDS, batch_size=BATCH, default_user=user, default_change_reason=reason)
        locked.pool = pool
        locked.base_total = sum((line.base_amount for line in lines), Decimal(0))
        locked.lines_done = len(lines)
        locked.lines_flagged = sum(1 for line in lines if line.flagged)
        locked.message = ""
        locked.computed()
        save_audited(locked, user=user, reason=_("Pay run computed: %(n)d lines, reward pool %(pool)s yuan") % {"n": len(lines), "pool": pool})


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
