"""Performance pay (绩效工资, 三(四)2 按劳分配) from a cycle's grades.

The base part (基础性) is the school's pay table by post, title or skill level and education, per
month of the period. The reward part (奖励性) is the budget's reward share, split by grade
coefficient × work done (hrflow.policy.allocate_pool: to the fen, summing to the pool exactly); a
vetoed person's share is zero (VETO-PAY). A run is a job with progress; it can be re-run until the
school's leaders approve it, then it is locked. Approval takes only amounts that still follow from
the inputs (work done, the pay table, grades and settings are recomputed in memory and compared),
and only a payout within the budget (总量控制: base part + reward pool ≤ the budget). Lines are
keyed by (run, appraisal): a re-run rewrites them, never adds. Money is Decimal from the form to
the database.
"""

import logging
import threading
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
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


def _yuan(amount) -> str:
    """Money as an officer reads it: 99,600.00."""
    return f"{Decimal(amount):,.2f}"


def _pool_of(budget, reward_share) -> Decimal:
    return (budget * reward_share).quantize(FEN, rounding=ROUND_HALF_UP)


COEFFICIENT_KEYS = ("coef_excellent", "coef_competent", "coef_basic", "coef_incompetent")


def _check(values: dict):
    _policy(lambda: money_fen(values["budget"], _("The budget")))
    if values["budget"] <= 0:
        raise AppraisalError(_("The performance pay budget (绩效工资总量) must be more than zero."))
    if values["budget"] > BUDGET_LIMIT:
        raise AppraisalError(_("A budget beyond a billion yuan is a typing error."))
    share = values["reward_share"]
    if not (isinstance(share, Decimal) and share.is_finite() and 0 <= share <= 1):
        raise AppraisalError(_("The reward share is a share from 0 to 1."))
    if not 1 <= values["months"] <= 72:
        raise AppraisalError(_("Months of base part: from 1 to 72."))
    for key in COEFFICIENT_KEYS:
        value = values[key]
        if not (isinstance(value, Decimal) and value.is_finite() and 0 <= value <= 10):
            raise AppraisalError(_("A grade coefficient is a number from 0 to 10."))
    if _pool_of(values["budget"], share) > 0 and not any(values[key] > 0 for key in COEFFICIENT_KEYS):
        # The pool is split by grade coefficient × work done: with every coefficient zero nobody has a share.
        raise AppraisalError(_("The reward part is split by grade coefficient: at least one grade's coefficient must be above zero "
                               "(usually 合格 1.0), or set the reward share to 0."))


def _check_splittable(school_cycle: SchoolCycle, values: dict):
    """The pool must have someone to go to: a person not vetoed (VETO-PAY) whose grade's coefficient
    is above zero. Work done is checked when the run is computed (it may still be entered)."""
    pool = _pool_of(values["budget"], values["reward_share"])
    if not pool:
        return
    run = PayRun(**{key: values[key] for key in COEFFICIENT_KEYS})
    grades = (Appraisal.objects.filter(cycle_id=school_cycle.cycle_id, school_id=school_cycle.school_id, vetoed=False)
              .order_by().values_list("grade", "scoring").distinct())
    if not any(_coefficient(run, {"grade": grade, "vetoed": False, "scoring": scoring})[0] > 0 for grade, scoring in grades):
        raise AppraisalError(_("The reward pool of %(pool)s yuan cannot be split: nobody at the school who is not vetoed holds a grade whose "
                               "coefficient is above zero. Raise the coefficient of a grade the staff hold, or set the reward share to 0.")
                             % {"pool": _yuan(pool)})


def budget_excess(*, budget, base_total, pool) -> str:
    """总量控制: what is paid out (base part + reward pool) may not exceed the budget. The reason in
    words with the figures, or "" within the budget."""
    if budget is None or base_total is None or pool is None or base_total + pool <= budget:
        return ""
    total = base_total + pool
    return _("The payout exceeds the performance pay budget (总量控制): base part %(base)s yuan + reward pool %(pool)s yuan = "
             "%(total)s yuan, %(over)s yuan above the budget of %(budget)s yuan. It cannot be approved until the payout is within "
             "the budget: lower the pay table's rates or the reward share, or correct the budget, and compute again.") % {
        "base": _yuan(base_total), "pool": _yuan(pool), "total": _yuan(total), "over": _yuan(total - budget), "budget": _yuan(budget)}


@transaction.atomic
def pay_run_save(*, school_cycle: SchoolCycle, values: dict, acting_user) -> PayRun:
    """Create or change a school's pay run for a published cycle (not once approved)."""
    school_cycle = SchoolCycle.objects.select_related("cycle", "school").get(pk=school_cycle.pk)
    if school_cycle.cycle.state not in PAYABLE_CYCLES:
        raise AppraisalError(_("Performance pay is computed from published grades."))
    _check(values)
    _check_splittable(school_cycle, values)
    run = PayRun.objects.select_for_update().filter(cycle=school_cycle.cycle, school=school_cycle.school).first()
    if run is None:
        run = PayRun(cycle=school_cycle.cycle, school=school_cycle.school, created_by=acting_user)
    elif run.state in (P.APPROVED, P.QUEUED, P.RUNNING):
        raise AppraisalError(_("This pay run is approved and locked.") if run.state == P.APPROVED else _("This pay run is being computed."))
    changed = any(getattr(run, key) != value for key, value in values.items())
    for key, value in values.items():
        setattr(run, key, value)
    if changed and run.state == P.COMPUTED:  # approval waits for a new computation (_stale); the page says why
        run.message = _("The settings were changed after the computation: compute again before approval.")
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
            if isinstance(error, (AppraisalError, PolicyInputError)):  # the data's fault, said in words: no traceback
                message = str(error) if isinstance(error, AppraisalError) else _policy_text(error)
                log.warning("pay runs %s not computed: %s", claimed, message)
            else:
                log.exception("pay runs %s failed", claimed)
                message = _("An unexpected error stopped the computation; start it again, or tell the administrator if it recurs.")
            with transaction.atomic():
                for run in PayRun.objects.select_for_update().filter(pk__in=claimed, state=P.RUNNING):
                    run.message = message
                    run.fail()
                    save_audited(run, user=user, reason=_("Pay run could not be computed: %(why)s") % {"why": message})
            return 0


def _policy_text(error):
    """A policy error in words; for rows of a frame, what is wrong with the first of them too."""
    from hrflow.core.validators import policy_message

    text = policy_message(error)
    rows = getattr(error, "errors", None) or []
    details = [_(row.template) % row.params if row.params else _(row.template) for row in rows[:3]]
    return " ".join([text, *details])


def _read_frame(queryset, columns) -> pd.DataFrame:
    """A values_list queryset read by the cursor straight into a frame: no per-row converters for a
    province's rows. PostgreSQL's driver gives Decimals and booleans as such; SQLite needs Django's."""
    if connection.vendor != "postgresql":
        return pd.DataFrame(list(queryset), columns=columns)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return pd.DataFrame(cursor.fetchall(), columns=columns)


def _lines(runs: list[PayRun]) -> tuple[pd.DataFrame, dict, dict]:
    """The lines these runs' current inputs give, by columns, writing nothing: the pay table looked
    up once per distinct post, title and education of a school, the coefficient once per run and
    grade. Returns (lines, pool per school, the reason per school whose pool cannot be split); the
    lines of such a school are left out."""
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
    frame["share"] = frame["coefficient"] * frame["units"]  # ≤ 6 places: read exactly
    pools = {school: _pool_of(run.budget, run.reward_share) for school, run in by_school.items()}
    # A pool with nobody to go to (every coefficient × work done zero, everyone vetoed, nobody enrolled)
    # fails its own run with the reason in words; the other schools' runs go on.
    sharing = set(frame.loc[(frame["share"] > 0).to_numpy(dtype=bool), "school"])
    unsplittable = {school: _("The reward pool of %(pool)s yuan cannot be split: nobody has a share above zero (each person's grade "
                              "coefficient × work done is zero, or everyone is vetoed). Give at least one person a coefficient and work "
                              "done above zero, or set the reward share to 0, and compute again.") % {"pool": _yuan(pool)}
                    for school, pool in pools.items() if pool > 0 and school not in sharing}
    if unsplittable:
        frame = frame[~frame["school"].isin(list(unsplittable))].reset_index(drop=True)
    shares = pd.DataFrame({"school": frame["school"], "key": frame["appraisal"], "share": frame["share"]})
    frame["reward"] = (allocate_pool_frame({school: pool for school, pool in pools.items() if school not in unsplittable}, shares)["amount"]
                       .to_numpy() if len(frame) else [])
    lines = frame.rename(columns={"monthly": "base_monthly", "base": "base_amount", "units": "work_units", "reward": "reward_amount"})
    return lines, pools, unsplittable


def _compute(runs: list[PayRun], user) -> int:
    """Every line of these runs (see _lines), written in bulk with history; each run's totals, and
    a warning in its message when the payout exceeds its budget."""
    lines, pools, unsplittable = _lines(runs)
    reason = _("Pay line computed")
    with transaction.atomic():
        locked = {run.pk: run for run in PayRun.objects.select_for_update().filter(pk__any=AnyValues([r.pk for r in runs]))}
        if any(run.state != P.RUNNING for run in locked.values()):
            return 0  # approved or re-queued meanwhile: this result is stale
        for run in locked.values():
            if run.school_id in unsplittable:
                run.message = unsplittable[run.school_id]
                run.fail()
                save_audited(run, user=user, reason=_("Pay run could not be computed: %(why)s") % {"why": run.message})
        done = {pk: run for pk, run in locked.items() if run.school_id not in unsplittable}
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
        rows = []
        for pk, run in done.items():
            base, count, flagged = totals.get(pk, (Decimal(0), 0, 0))
            pool = pools[run.school_id]
            rows.append((pk, pool, base, count, count, flagged, budget_excess(budget=run.budget, base_total=base, pool=pool)))
        if rows:
            update_rows(PayRun, ["pool", "base_total", "lines_total", "lines_done", "lines_flagged", "message"], rows)
            bulk_transition(PayRun, list(done), "computed", source=P.RUNNING, user=user, reason=_("Pay run computed"))
    transaction.on_commit(lambda: refresh_statistics([PayLine]) if len(lines) >= ANALYZE_AFTER_ROWS else None)
    return len(lines)


def _stale(run: PayRun) -> bool:
    """Whether the run's stored lines differ from what its inputs give now (work done, the pay
    table, the settings, the grades changed since it was computed): the same computation as the
    job's, in memory."""
    try:
        lines, pools, unsplittable = _lines([run])
    except (AppraisalError, PolicyInputError):
        return True
    if unsplittable or pools[run.school_id] != run.pool:
        return True

    def key(monthly, base, grade, coefficient, units, reward, flagged):
        return (None if monthly is None or pd.isna(monthly) else Decimal(monthly), Decimal(base), grade or "", Decimal(coefficient),
                Decimal(units), Decimal(reward), bool(flagged))

    fresh = {int(appraisal): key(*values) for appraisal, *values in lines[[
        "appraisal", "base_monthly", "base_amount", "grade", "coefficient", "work_units", "reward_amount", "flagged"]].itertuples(index=False)}
    stored = {appraisal: key(*values) for appraisal, *values in PayLine.objects.filter(run=run).values_list(
        "appraisal_id", "base_monthly", "base_amount", "grade", "coefficient", "work_units", "reward_amount", "flagged")}
    return fresh != stored


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
    if changed and run.state == P.COMPUTED:
        _needs_computing([run], _("Work done was changed after the computation: compute again before approval."), acting_user)
    return len(changed)


def _needs_computing(runs, why: str, acting_user) -> None:
    """Say on computed runs (locked by the caller) that their amounts no longer follow from their
    inputs. Approval checks it anyway (_stale); this tells the leader why before they try."""
    for run in runs:
        run.message = why
        save_audited(run, user=acting_user, reason=why)


def _school_changed(school_id, acting_user) -> None:
    runs = list(PayRun.objects.select_for_update().filter(school_id=school_id, state=P.COMPUTED))
    _needs_computing(runs, _("The school's pay table was changed after the computation: compute again before approval."), acting_user)


@transaction.atomic
def pay_run_approve(*, run: PayRun, acting_user) -> PayRun:
    """The school's leaders approve the computed run; it is locked from then on."""
    run = PayRun.objects.select_for_update().get(pk=run.pk)
    if run.state != P.COMPUTED:
        raise AppraisalError(_("Only a computed pay run is approved."))
    if _stale(run):
        raise AppraisalError(_("Work done, the pay table, the grades or the settings changed after this pay run was computed: "
                               "compute it again, then approve it."))
    if run.lines_flagged:
        raise AppraisalError(_("%(n)d lines need attention (no rate in the pay table): complete the table and compute again.") % {"n": run.lines_flagged})
    excess = budget_excess(budget=run.budget, base_total=run.base_total, pool=run.pool)
    if excess:
        raise AppraisalError(excess)
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
    # Not get_or_create: its save would write a history row without the user and reason.
    key = {"school": school, "post_category": post_category, "title": title, "education": education}
    rate = BasePayRate.objects.select_for_update().filter(**key).first() or BasePayRate(**key, monthly=monthly)
    changed = rate.pk is None or rate.monthly != monthly
    rate.monthly = monthly
    try:
        with transaction.atomic():
            save_audited(rate, user=acting_user, reason=_("Pay table rate set to %(amount)s yuan a month") % {"amount": monthly})
    except IntegrityError:  # the same rate created by someone else at this moment
        raise AppraisalError(_("Someone else saved this rate at the same moment: look at the table and save again if needed.")) from None
    if changed:
        _school_changed(rate.school_id, acting_user)
    return rate


@transaction.atomic
def rate_remove(*, rate: BasePayRate, acting_user) -> None:
    rate._history_user, rate._change_reason = acting_user, _("Pay table rate removed")
    school_id = rate.school_id
    rate.delete()
    _school_changed(school_id, acting_user)
