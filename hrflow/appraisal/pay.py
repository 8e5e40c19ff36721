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
import numpy as np
import pandas as pd
from simple_history.utils import bulk_update_with_history

from hrflow.core.bulk import (
    ANALYZE_AFTER_ROWS, bulk_transition, insert_frame_returning_ids, refresh_statistics, snapshot_ids, update_frame, update_rows,
)
from hrflow.core.lookups import AnyValues
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


# The pay table's keys, most specific first: a rate with an empty field matches any value of it.
RATE_ORDER = (("category", "title", "education"), ("category", "title"), ("category", "education"), ("category",),
              ("title", "education"), ("title",), ("education",), ())
RATE_KEYS = ("category", "title", "education")


def _monthly_rates(frame: pd.DataFrame, schools) -> pd.Series:
    """The monthly base rate of every row of `frame` (school, category, title, education) from its
    school's pay table: the most specific rate (RATE_ORDER), each shape of key one merge."""
    rates = pd.DataFrame(list(BasePayRate.objects.filter(school_id__any=AnyValues(list(schools))).values_list(
        "school_id", "post_category", "title", "education", "monthly")), columns=["school", *RATE_KEYS, "monthly"])
    found = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for used in RATE_ORDER:
        shaped = rates[(rates[[key for key in RATE_KEYS if key not in used]] == "").all(axis=1)]
        if not len(shaped):
            continue
        on = ["school", *used]
        matched = frame[on].merge(shaped[[*on, "monthly"]], on=on, how="left", sort=False)["monthly"].to_numpy(dtype=object)
        take = found.isna().to_numpy() & pd.notna(matched)
        found[take] = matched[take]
    return found


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

    claimed = list(PayRun.objects.filter(pk__any=AnyValues(run_ids), state=P.QUEUED).values_list("pk", flat=True))
    PayRun.objects.filter(pk__any=AnyValues(claimed), state=P.QUEUED).update(state=P.RUNNING, started_at=timezone.now(), lines_done=0)
    if not claimed:
        return 0
    user = get_user_model().objects.get(pk=user_id)
    with override(settings.LANGUAGE_CODE):
        runs = list(PayRun.objects.filter(pk__any=AnyValues(claimed)))
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


def _read_frame(queryset, columns) -> pd.DataFrame:
    """A values_list queryset read by the cursor straight into a frame: no per-row converters for a
    province's rows. PostgreSQL's driver gives Decimals and booleans as such; SQLite needs Django's."""
    if connection.vendor != "postgresql":
        return pd.DataFrame(list(queryset), columns=columns)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return pd.DataFrame(cursor.fetchall(), columns=columns)


def _compute(runs: list[PayRun], user) -> int:
    """Every line of these runs, by columns: the pay table looked up once per distinct post, title
    and education of a school, the coefficient once per run and grade."""
    by_school = {run.school_id: run for run in runs}
    cycle_ids = {run.cycle_id for run in runs}
    if len(cycle_ids) != 1:
        raise AppraisalError(_("Pay runs are computed one cycle at a time."))
    schools = list(by_school)
    frame = _read_frame(
        Appraisal.objects.filter(cycle_id__in=cycle_ids, school_id__any=AnyValues(schools)).order_by("school_id", "id").values_list(
            "id", "school_id", "grade", "vetoed", "scoring", "staff__post_category", "staff__title", "staff__person__education"),
        ["appraisal", "school", "grade", "vetoed", "scoring", "category", "title", "education"])
    frame["vetoed"] = frame["vetoed"].astype(bool)
    frame["monthly"] = _monthly_rates(frame, schools)
    months = frame["school"].map({school: run.months for school, run in by_school.items()}).to_numpy(dtype=object)
    rated = frame["monthly"].notna().to_numpy()
    base = np.full(len(frame), Decimal(0), dtype=object)
    base[rated] = frame["monthly"].to_numpy(dtype=object)[rated] * months[rated]
    frame["base"] = base
    frame["kind"] = np.where(frame["vetoed"], "veto", frame["grade"])
    coefficients = pd.DataFrame([(school, kind, _coefficient(run, {"grade": "" if kind == "veto" else kind, "vetoed": kind == "veto",
                                                                      "scoring": ""})[0])
                                 for school, run in by_school.items() for kind in ("veto", "", *GradeChoices.values)],
                                columns=["school", "kind", "coefficient"])
    frame = frame.merge(coefficients, on=["school", "kind"], how="left", sort=False)
    existing = _read_frame(PayLine.objects.filter(run_id__any=AnyValues([run.pk for run in runs])).values_list("pk", "appraisal_id", "work_units"),
                           ["line", "appraisal", "units"])
    frame = frame.merge(existing, on="appraisal", how="left", sort=False)
    frame["units"] = frame["units"].astype(object).where(frame["line"].notna(), Decimal(1))
    flagged = frame["monthly"].isna().to_numpy()
    not_graded = (frame["grade"] == "").to_numpy() & (frame["scoring"] == Appraisal.Scoring.NOT_GRADED).to_numpy()
    frame["note"] = np.where(flagged, _("No rate in the school's pay table for this post, title and education"),
                             np.where(frame["vetoed"], _("Vetoed: no reward part (VETO-PAY)"),
                                      np.where(~frame["vetoed"] & not_graded, _("Not graded this cycle: the 合格 coefficient"), "")))
    frame["flagged"] = flagged
    frame["run"] = frame["school"].map({school: run.pk for school, run in by_school.items()})
    shares = pd.DataFrame({"school": frame["school"], "key": frame["appraisal"],
                           "share": frame["coefficient"] * frame["units"]})  # ≤ 6 places: read exactly
    pools = {school: (run.budget * run.reward_share).quantize(FEN, rounding=ROUND_HALF_UP) for school, run in by_school.items()}
    frame["reward"] = allocate_pool_frame(pools, shares)["amount"].to_numpy() if len(frame) else []
    lines = frame.rename(columns={"monthly": "base_monthly", "base": "base_amount", "units": "work_units", "reward": "reward_amount"})
    reason = _("Pay line computed")
    with transaction.atomic():
        locked = {run.pk: run for run in PayRun.objects.select_for_update().filter(pk__any=AnyValues([r.pk for r in runs]))}
        if any(run.state != P.RUNNING for run in locked.values()):
            return 0  # approved or re-queued meanwhile: this result is stale
        new = lines[lines["line"].isna()]
        new_ids = insert_frame_returning_ids(PayLine, new[["run", "appraisal", "base_monthly", "base_amount", "grade", "coefficient",
                                                           "work_units", "reward_amount", "note", "flagged"]])
        snapshot_ids(PayLine, new_ids, user=user, reason=reason, history_type="+")
        old = lines[lines["line"].notna()].rename(columns={"line": "id"})
        if len(old):
            old = old.assign(id=old["id"].astype(np.int64))
            update_frame(PayLine, old[["id", *LINE_FIELDS_UPDATED]], history=(user, reason))
        totals = lines.groupby("run", sort=False).agg(base=("base_amount", "sum"), count=("appraisal", "size"), flagged=("flagged", "sum"))
        totals = {pk: (base, int(count), int(flagged)) for pk, base, count, flagged in totals.itertuples(name=None)}
        update_rows(PayRun, ["pool", "base_total", "lines_total", "lines_done", "lines_flagged", "message"], [
            (pk, pools[run.school_id], base, count, count, flagged, "")
            for pk, run in locked.items() for base, count, flagged in [totals.get(pk, (Decimal(0), 0, 0))]])
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
