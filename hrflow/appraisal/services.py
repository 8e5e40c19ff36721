"""Every business action of an appraisal cycle: one function each, atomic, audited.

The owner's steps (the school's HR officer, or the bureau officer of a bureau's cycle) also complete
the cycle's viewflow task in the same transaction (hrflow.core.flowsteps). Bulk steps (enrolment,
rater assignment, grading) read with a few queries and write with bulk_*_with_history.

Peer ratings are written here only: the rater's token is computed here and nowhere else.
"""

import hashlib
import hmac
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from hrflow.core import clock, flowsteps
from hrflow.core.bulk import (
    ANALYZE_AFTER_ROWS, bulk_transition, insert_rows_returning_ids, query_frame, refresh_statistics, snapshot_ids, update_frame, update_rows,
)
from hrflow.core.history import save_audited
from hrflow.core.validators import policy_message
from hrflow.notifications.services import Event, notify_many
from hrflow.org.models import OrgUnit, Role, RoleAssignment, School
from hrflow.people.models import EmploymentType, Staff
from hrflow.policy import (
    PolicyInputError, assign_grades_frame, composite_of_parts_frame, excellent_quota, excellent_quota_frame,
)
from hrflow.policy.appraisal import (
    check_thresholds, check_trim_from, check_weights, from_hundredths, grade_by_threshold, score_hundredths, share_fraction,
)

from .signals import exit_review_due
from .models import Appraisal, Committee, CommitteeMember, Cycle, GradeChoices, PeerAssignment, PeerRating, SchoolCycle, post_group_of

S = Cycle.State
SC = SchoolCycle.State
# STAFF-PURCHASE: purchased-service staff are employed and appraised by their company, not the school.
APPRAISED_TYPES = (EmploymentType.ESTABLISHMENT, EmploymentType.CONTRACT, EmploymentType.DISPATCHED)
EARLIEST_PERIOD = date(2000, 1, 1)
MAX_PERIOD_DAYS = 366 * 6  # a contract term's evaluation spans the term; longer is a typing error
BATCH = 5000


class AppraisalError(Exception):
    """A refused action, with a message for the user (the rule cited where one applies)."""


def _day(value) -> str:
    return date_format(value, "DATE_FORMAT")


def _conf():
    return settings.HRFLOW["APPRAISAL"]


def flow_class():
    from workflows.flows import AppraisalFlow

    return AppraisalFlow


def _complete(cycle, node, user):
    flowsteps.complete_step(flow_class(), cycle.process_id, node, user,
                            busy_message=_("Someone else is acting on this cycle; try again in a moment."))


def _lock(cycle) -> Cycle:
    return Cycle.objects.select_for_update().select_related("unit").get(pk=cycle.pk)


def _text(value, limit, what) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise AppraisalError(_("%(what)s contains a NUL character, which cannot be stored: type the text again.") % {"what": what})
    if len(value) > limit:
        raise AppraisalError(_("%(what)s is too long: at most %(limit)d characters.") % {"what": what, "limit": limit})
    return value


def _reason(value, what=None) -> str:
    value = _text(value, 2000, what or _("The reason"))
    if not value:
        raise AppraisalError(_("Give a written reason for the record."))
    return value


def _policy(call):
    try:
        return call()
    except PolicyInputError as error:
        raise AppraisalError(policy_message(error)) from None


# ---- the cycle's settings -------------------------------------------------------------------

@dataclass
class CycleSettings:
    """Local practice (POLICY.md), each cycle its own copy; the defaults are HRFLOW["APPRAISAL"]."""

    weight_self: int
    weight_peer: int
    weight_leader: int
    excellent_share: Decimal
    excellent_min: int
    pass_min: int
    basic_min: int
    peers_per_person: int
    min_raters: int
    trim_from: int
    appeal_days: int
    separate_groups: bool = False

    @classmethod
    def defaults(cls) -> "CycleSettings":
        c = _conf()
        w_self, w_peer, w_leader = c["WEIGHTS"]
        return cls(weight_self=w_self, weight_peer=w_peer, weight_leader=w_leader, excellent_share=Decimal(c["EXCELLENT_SHARE"]),
                   excellent_min=c["EXCELLENT_MIN"], pass_min=c["PASS_MIN"], basic_min=c["BASIC_MIN"],
                   peers_per_person=c["PEERS_PER_PERSON"], min_raters=c["MIN_RATERS"], trim_from=c["TRIM_FROM"],
                   appeal_days=c["APPEAL_DAYS"])

    def check(self):
        weights = (self.weight_self, self.weight_peer, self.weight_leader)
        try:
            check_weights(weights)
        except PolicyInputError:
            raise AppraisalError(_("The three weights are whole numbers of 0 or more adding up to 100 (now %(a)s + %(b)s + %(c)s).")
                                 % dict(zip("abc", weights))) from None
        _policy(lambda: share_fraction(self.excellent_share))
        _policy(lambda: check_thresholds(self.excellent_min, self.pass_min, self.basic_min))
        _policy(lambda: check_trim_from(self.trim_from))
        if not 1 <= self.peers_per_person <= 50:
            raise AppraisalError(_("Peer raters per person: from 1 to 50."))
        if not 3 <= self.min_raters <= self.peers_per_person:
            # Fewer than 3 answers would let a mean be read back as one colleague's score.
            raise AppraisalError(_("The fewest answers for a peer result: from 3 to the raters per person."))
        if self.trim_from < self.min_raters + 2:
            # Trimming drops two answers: from fewer than min + 2 it would leave too few for a result.
            raise AppraisalError(_("Dropping the highest and lowest score starts from at least the fewest answers for a result plus 2 "
                                   "(here %(n)d).") % {"n": self.min_raters + 2})
        if not 1 <= self.appeal_days <= 60:
            raise AppraisalError(_("The appeal window: from 1 to 60 days."))


def owner_role(unit: OrgUnit) -> str:
    """Who runs a cycle: the school's HR officer, or a bureau officer for a bureau's cycle."""
    return Role.HR_OFFICER if unit.kind == OrgUnit.Kind.SCHOOL else Role.BUREAU_OFFICER


def _check_due(due: dict, period_end: date) -> dict:
    days = [due.get(k) for k in ("self_due", "peer_due", "leader_due")]
    given = [d for d in days if d is not None]
    if any(d < clock.today() or d > period_end + timedelta(days=730) for d in given):
        raise AppraisalError(_("A due day lies between today and two years after the period ends."))
    if given != sorted(given):
        raise AppraisalError(_("The due days follow the steps: self-evaluation, then peer ratings, then leadership scores."))
    return {k: due.get(k) for k in ("self_due", "peer_due", "leader_due")}


@transaction.atomic
def cycle_create(*, unit: OrgUnit, name: str, kind: str, period_start: date, period_end: date, config: CycleSettings,
                 acting_user, due: dict | None = None) -> Cycle:
    """A new cycle in preparation, with its viewflow process; nobody is enrolled until it opens."""
    name = _text(name, 200, _("The name"))
    if not name:
        raise AppraisalError(_("Give the cycle a name."))
    if kind not in Cycle.Kind.values:
        raise AppraisalError(_("Choose the kind of appraisal."))
    if period_end < period_start:
        raise AppraisalError(_("The period cannot end before it starts."))
    if (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise AppraisalError(_("A period longer than six years is a typing error."))
    if period_start > clock.today() + timedelta(days=366):
        raise AppraisalError(_("The period starts more than a year from today."))
    if period_start < EARLIEST_PERIOD:
        raise AppraisalError(_("A period before 2000 is a typing error."))
    config.check()
    cycle = Cycle(unit=unit, name=name, kind=kind, period_start=period_start, period_end=period_end, created_by=acting_user,
                  **{k: v for k, v in vars(config).items()}, **_check_due(due or {}, period_end))
    save_audited(cycle, user=acting_user, reason=_("Appraisal cycle created"))
    cycle.process = flow_class().start.run(cycle=cycle)
    save_audited(cycle, user=acting_user, reason=_("Appraisal process started"))
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, name: str, period_start: date, period_end: date, config: CycleSettings, acting_user,
                 due: dict | None = None) -> Cycle:
    """A cycle in preparation corrected: its name, period, settings and due days (nobody is enrolled yet)."""
    cycle = _lock(cycle)
    if cycle.state != S.DRAFT:
        raise AppraisalError(_("The settings are fixed once the cycle has opened."))
    name = _text(name, 200, _("The name"))
    if not name:
        raise AppraisalError(_("Give the cycle a name."))
    if period_end < period_start or (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise AppraisalError(_("The period cannot end before it starts."))
    if period_start < EARLIEST_PERIOD:
        raise AppraisalError(_("A period before 2000 is a typing error."))
    config.check()
    cycle.name, cycle.period_start, cycle.period_end = name, period_start, period_end
    for key, value in {**vars(config), **(_check_due(due, period_end) if due is not None else {})}.items():
        setattr(cycle, key, value)
    return save_audited(cycle, user=acting_user, reason=_("Cycle settings changed"))


# ---- opening: enrolment and rater assignment, in bulk ------------------------------------------

def _staff_in_scope(cycle: Cycle):
    return (Staff.objects.filter(school__unit__path__startswith=cycle.unit.path, status__in=(Staff.Status.ACTIVE, Staff.Status.SUSPENDED),
                                 employment_type__in=APPRAISED_TYPES, hired_on__lte=cycle.period_end)
            .order_by("school_id", "id").values_list("id", "school_id", "post_category"))


def assign_raters(members: list[int], k: int) -> list[tuple[int, int]]:
    """(rated, rater) pairs within one group: each person rated by the next `k` in the group's order,
    so everyone rates as many as rate them; never oneself (issue 11)."""
    n = len(members)
    k = min(k, n - 1)
    return [(members[i], members[(i + j) % n]) for i in range(n) for j in range(1, k + 1)]


@transaction.atomic
def cycle_open(*, cycle: Cycle, acting_user) -> int:
    """Enrol every appraised staff member in scope (establishment, contract and dispatched staff hired
    by the period's end), assign peer raters within school and post group, open self-evaluation."""
    cycle = _lock(cycle)
    if cycle.state != S.DRAFT:
        raise AppraisalError(_("This cycle has already opened."))
    # A school is appraised once for a period: its own cycle and its bureau's do not both enrol it. The
    # schools' rows are locked so that two overlapping cycles opening at once see each other.
    list(School.objects.select_for_update(of=("self",)).filter(unit__path__startswith=cycle.unit.path).values_list("pk", flat=True))
    taken = dict(SchoolCycle.objects.filter(
        school__unit__path__startswith=cycle.unit.path, cycle__kind=cycle.kind, cycle__period_start__lte=cycle.period_end,
        cycle__period_end__gte=cycle.period_start).exclude(cycle=cycle).values_list("school_id", "cycle__name"))
    if taken and cycle.unit.kind == OrgUnit.Kind.SCHOOL:
        raise AppraisalError(_("The school is already appraised for an overlapping period in “%(other)s”: a period is appraised once.")
                             % {"other": next(iter(taken.values()))})
    rows = [row for row in _staff_in_scope(cycle) if row[1] not in taken]
    if not rows:
        raise AppraisalError(_("Nobody in this cycle's scope can be appraised (schools already appraised for an overlapping period "
                               "are left out)."))
    reason = _("Enrolled in %(cycle)s") % {"cycle": cycle.name}
    # A province enrols 200,000 people and 2,000,000 rater assignments: written with COPY and their
    # history snapshotted by the database (hrflow.core.bulk), not a model instance each.
    per_school = defaultdict(int)
    for _pk, school_id, _category in rows:
        per_school[school_id] += 1
    fields = ["cycle", "staff", "school", "post_group", "scoring", "grade_source", "appeal_state", "self_summary", "leader_comment",
              "scoring_note", "grade", "grade_reason", "tied", "vetoed", "peer_count", "appeal_text", "appeal_decision", "exit_review"]
    appraisal_ids = insert_rows_returning_ids(Appraisal, fields, (
        (cycle.pk, staff_id, school_id, post_group_of(category), Appraisal.Scoring.STANDARD, "", "none", "", "", "", "", "", False, False, 0,
         "", "", "") for staff_id, school_id, category in rows), len(rows))
    snapshot_ids(Appraisal, appraisal_ids, user=acting_user, reason=reason, history_type="+")
    schools = sorted(per_school)
    school_cycle_ids = insert_rows_returning_ids(SchoolCycle, ["cycle", "school", "enrolled", "decision_note", "state"],
                                                 ((cycle.pk, s, per_school[s], "", SC.OPEN) for s in schools), len(schools))
    snapshot_ids(SchoolCycle, school_cycle_ids, user=acting_user, reason=reason, history_type="+")
    groups = defaultdict(list)  # raters come from the grading unit: the school, or its post group when graded apart
    for appraisal_id, (staff_id, school_id, category) in zip(appraisal_ids, rows):
        groups[(school_id, post_group_of(category) if cycle.separate_groups else "")].append((appraisal_id, staff_id))
    pairs = []
    for members in groups.values():
        staff_of = dict(members)
        pairs.extend((rated, staff_of[rater]) for rated, rater in assign_raters([a for a, _s in members], cycle.peers_per_person))
    assignment_ids = insert_rows_returning_ids(PeerAssignment, ["appraisal", "rater", "answered", "excused_reason"],
                                               ((rated, rater, False, "") for rated, rater in pairs), len(pairs))
    snapshot_ids(PeerAssignment, assignment_ids, user=acting_user, reason=_("Peer raters assigned"), history_type="+")
    transaction.on_commit(lambda: refresh_statistics([Appraisal, SchoolCycle, PeerAssignment]) if len(rows) >= ANALYZE_AFTER_ROWS else None)
    from .veto import veto_enrolled  # veto builds on this module

    veto_enrolled(cycle, acting_user)
    cycle.open()
    opened = _("Opened: %(count)d staff enrolled, self-evaluation open") % {"count": len(rows)}
    if taken:
        names = "、".join(School.objects.filter(pk__in=list(taken)[:5]).values_list("unit__name", flat=True))
        names += "…" if len(taken) > 5 else ""
        opened += _("; %(n)d schools already appraised for an overlapping period are left out (%(names)s)") % {"n": len(taken), "names": names}
    save_audited(cycle, user=acting_user, reason=opened)
    _complete(cycle, "open_cycle", acting_user)
    _notify_staff(cycle, "opened", lambda: _("Appraisal: your self-evaluation is open (%(cycle)s)") % {"cycle": cycle.name})
    return len(rows)


def _notify_staff(cycle, event, subject):
    """Every enrolled staff member with a login, in the site's language, once per event."""
    with translation.override(settings.LANGUAGE_CODE):
        text = subject()
        url = reverse("appraisal:mine")
        ids = list(Appraisal.objects.filter(cycle=cycle, staff__person__user__isnull=False).values_list("staff__person__user_id", flat=True))
        notify_many([Event(recipient_ids=tuple(ids[i:i + 2000]), event_key=f"appraisal.{event}:{cycle.pk}", subject=text, url=url)
                     for i in range(0, len(ids), 2000)])


def notify_people(events: list[tuple[int | None, str, str, str]]) -> None:
    """One notification each: (user id or None, event key, subject, url); those without a login are skipped."""
    notify_many([Event(recipient_ids=(user_id,), event_key=key, subject=subject, url=url) for user_id, key, subject, url in events if user_id])


def _school_users(school_ids, role):
    return get_user_model().objects.filter(role_assignments__role=role, role_assignments__unit__school__id__in=school_ids,
                                           is_active=True).distinct()


def _notify_leaders(cycle, school_ids, event, subject):
    """The leaders of each school, one notification per school's part: two queries for a province."""
    with translation.override(settings.LANGUAGE_CODE):
        text = subject()
        leaders = defaultdict(list)
        for school_id, user_id in RoleAssignment.objects.filter(role=Role.SCHOOL_LEADER, unit__school__id__in=list(school_ids),
                                                                user__is_active=True).values_list("unit__school__id", "user_id"):
            leaders[school_id].append(user_id)
        events = [Event(recipient_ids=tuple(leaders[school_id]), event_key=f"appraisal.{event}:{sc_id}", subject=text,
                        url=reverse("appraisal:school_cycle", args=[sc_id]))
                  for sc_id, school_id in SchoolCycle.objects.filter(cycle=cycle, school_id__in=school_ids).values_list("id", "school_id")
                  if leaders[school_id]]
        notify_many(events)


# ---- the owner's phase steps ---------------------------------------------------------------------

@transaction.atomic
def cycle_close_self(*, cycle: Cycle, acting_user) -> int:
    """Self-evaluation ends; who did not submit is listed for the committee (never scored as zero)."""
    cycle = _lock(cycle)
    if cycle.state != S.SELF:
        raise AppraisalError(_("Self-evaluation is not open."))
    missing = Appraisal.objects.filter(cycle=cycle, self_score__isnull=True).count()
    cycle.begin_peer()
    save_audited(cycle, user=acting_user, reason=_("Self-evaluation closed (%(missing)d without one); peer evaluation open") % {"missing": missing})
    _complete(cycle, "close_self", acting_user)
    _notify_staff(cycle, "peer", lambda: _("Appraisal: peer evaluation is open (%(cycle)s)") % {"cycle": cycle.name})
    return missing


def unanswered(cycle):
    """Peer assignments neither answered nor excused: the cycle cannot go on while there are any."""
    return PeerAssignment.objects.filter(appraisal__cycle=cycle, answered=False, excused_reason="")


@transaction.atomic
def cycle_close_peer(*, cycle: Cycle, acting_user):
    cycle = _lock(cycle)
    if cycle.state != S.PEER:
        raise AppraisalError(_("Peer evaluation is not open."))
    waiting = unanswered(cycle).count()
    if waiting:
        raise AppraisalError(_("%(count)d peer ratings are neither answered nor excused: every rater answers, or is excused with a reason, first.")
                             % {"count": waiting})
    cycle.begin_leader()
    save_audited(cycle, user=acting_user, reason=_("Peer evaluation closed; leadership evaluation open"))
    _complete(cycle, "close_peer", acting_user)
    _notify_leaders(cycle, list(SchoolCycle.objects.filter(cycle=cycle).values_list("school_id", flat=True)), "leader",
                    lambda: _("Appraisal: score your staff (%(cycle)s)") % {"cycle": cycle.name})


@transaction.atomic
def cycle_close_leader(*, cycle: Cycle, acting_user) -> int:
    cycle = _lock(cycle)
    if cycle.state != S.LEADER:
        raise AppraisalError(_("Leadership evaluation is not open."))
    missing = Appraisal.objects.filter(cycle=cycle, leader_score__isnull=True).count()
    cycle.begin_grading()
    save_audited(cycle, user=acting_user, reason=_("Leadership evaluation closed (%(missing)d without a score)") % {"missing": missing})
    _complete(cycle, "close_leader", acting_user)
    return missing


# ---- staff: self-evaluation and peer ratings ------------------------------------------------------

def _own(appraisal_or_staff, user) -> bool:
    staff = getattr(appraisal_or_staff, "staff", appraisal_or_staff)
    return staff.person.user_id is not None and staff.person.user_id == user.pk


def _not_own(appraisal, user):
    """INST-RECUSAL (条例 art. 39): whoever handles appraisal does not act on their own."""
    if _own(appraisal, user):
        raise AppraisalError(_("This is your own appraisal: another leader or officer acts on it (INST-RECUSAL)."))


def _score(value, what) -> Decimal:
    """A score typed by a person: full-width digits read as digits (NFKC), as every other field does."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
    try:
        return from_hundredths(score_hundredths(value, "score"))
    except PolicyInputError:
        raise AppraisalError(_("%(what)s: a number from 0 to 100 with at most 2 decimal places.") % {"what": what}) from None


@transaction.atomic
def self_evaluate(*, appraisal: Appraisal, scores: dict, summary: str, acting_user) -> Appraisal:
    """自评: 德、能、勤、绩、廉 0–100 each and a written summary; the self score is their mean,
    rounded half up to 2 places. Changeable while self-evaluation is open."""
    appraisal = Appraisal.objects.select_for_update().select_related("cycle", "staff__person").get(pk=appraisal.pk)
    if not _own(appraisal, acting_user):
        raise AppraisalError(_("Only the person appraised writes their self-evaluation."))
    if appraisal.cycle.state != S.SELF:
        raise AppraisalError(_("Self-evaluation is not open."))
    values = []
    for name in Appraisal.DIMENSIONS:
        value = scores.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise AppraisalError(_("%(dimension)s: a whole score from 0 to 100.") % {"dimension": Appraisal._meta.get_field(name).verbose_name})
        values.append(value)
    summary = _text(summary, 3000, _("The summary"))
    if not summary:
        raise AppraisalError(_("Write a short summary of your year's work."))
    for name, value in zip(Appraisal.DIMENSIONS, values):
        setattr(appraisal, name, value)
    appraisal.self_summary = summary
    # Mean of five whole numbers: exact in tenths, so 2 places need no rounding.
    appraisal.self_score = (Decimal(sum(values)) / len(values)).quantize(Decimal("0.01"))
    return save_audited(appraisal, user=acting_user, reason=_("Self-evaluation submitted"))


def rating_token(cycle_id: int, rater_id: int, appraisal_id: int, secret: str | None = None) -> str:
    """HMAC of the pair under the deployment's secret: the rater can find their rating again; the
    database alone cannot tell whose a rating is."""
    key = hashlib.sha256(b"hrflow.appraisal.peer-rating:" + (secret or settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, f"{cycle_id}:{rater_id}:{appraisal_id}".encode(), hashlib.sha256).hexdigest()


def _tokens(cycle_id, rater_id, appraisal_id) -> list[str]:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [rating_token(cycle_id, rater_id, appraisal_id, s) for s in secrets]


def own_rating(assignment: PeerAssignment) -> PeerRating | None:
    """The rating this assignment's rater gave, for the rater's own page only."""
    tokens = _tokens(assignment.appraisal.cycle_id, assignment.rater_id, assignment.appraisal_id)
    return PeerRating.objects.filter(appraisal_id=assignment.appraisal_id, token__in=tokens).first()


def own_scores(assignments) -> dict:
    """{assignment id: the score its rater gave} for one rater's page, in one query."""
    by_token = {}
    for asg in assignments:
        for token in _tokens(asg.appraisal.cycle_id, asg.rater_id, asg.appraisal_id):
            by_token[token] = asg.pk
    found = PeerRating.objects.filter(token__in=list(by_token)).values_list("token", "score")
    return {by_token[token]: score for token, score in found}


def _midnight():
    """A rating's history keeps the day only: the minute would match the rater's other traces."""
    today = timezone.localdate()
    return timezone.make_aware(datetime.combine(today, time.min))


@transaction.atomic
def peer_rate(*, assignment: PeerAssignment, score, acting_user) -> None:
    """民主测评: the rater's score for one colleague, 0–100. Written with no rater and no user;
    changeable while peer evaluation is open."""
    assignment = PeerAssignment.objects.select_for_update().select_related("appraisal__cycle", "rater__person").get(pk=assignment.pk)
    if not _own(assignment.rater, acting_user):
        raise AppraisalError(_("This rating is assigned to someone else."))
    if assignment.appraisal.cycle.state != S.PEER:
        raise AppraisalError(_("Peer evaluation is not open."))
    if assignment.excused:
        raise AppraisalError(_("You have been excused from rating this colleague."))
    value = _score(score, _("The score"))
    rating = own_rating(assignment)
    if rating is None:
        rating = PeerRating(appraisal_id=assignment.appraisal_id)
    elif rating.score == value:
        return
    # Re-keyed to the current secret if it was found under a fallback.
    rating.token = rating_token(assignment.appraisal.cycle_id, assignment.rater_id, assignment.appraisal_id)
    rating.score = value
    rating._change_reason = _("Peer rating given") if rating.pk is None else _("Peer rating changed")
    rating._history_date = _midnight()
    rating.save()
    # No history for `answered` (see PeerAssignment): .update() writes none, deliberately.
    PeerAssignment.objects.filter(pk=assignment.pk).update(answered=True)


@transaction.atomic
def rater_excuse(*, assignment: PeerAssignment, reason: str, acting_user) -> PeerAssignment:
    """HR excuses a rater from one rating with a reason (INST-RECUSAL: a close relative, say; or a
    long absence), before they answer. Never after: withdrawing a given rating beside the excusal
    would show whose rating it was (the change log would pair them), so an answer stays."""
    assignment = PeerAssignment.objects.select_for_update().select_related("appraisal__cycle", "rater__person").get(pk=assignment.pk)
    if assignment.appraisal.cycle.state not in (S.SELF, S.PEER):
        raise AppraisalError(_("Raters are excused before peer evaluation closes."))
    if assignment.excused:
        raise AppraisalError(_("This rater is already excused."))
    if assignment.answered:
        raise AppraisalError(_("This rater has already answered. A rating is never tied to its rater, so it cannot be withdrawn: "
                               "recusal is asked for before rating."))
    assignment.excused_reason = _reason(reason)
    return save_audited(assignment, user=acting_user, reason=_("Rater excused: %(reason)s") % {"reason": assignment.excused_reason})


@transaction.atomic
def raters_excuse_pending(*, school_cycle: SchoolCycle, reason: str, acting_user) -> int:
    """At the end of peer evaluation, HR excuses every rater of the school who has not answered, with
    one reason (absent, left): peer evaluation can then close. Answers already given stay."""
    school_cycle = SchoolCycle.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=school_cycle.pk)
    if school_cycle.cycle.state != S.PEER:
        raise AppraisalError(_("Raters who have not answered are excused together during peer evaluation."))
    reason = _reason(reason)
    ids = list(PeerAssignment.objects.select_for_update().filter(
        appraisal__cycle_id=school_cycle.cycle_id, appraisal__school_id=school_cycle.school_id, answered=False, excused_reason="")
        .values_list("pk", flat=True))
    PeerAssignment.objects.filter(pk__in=ids).update(excused_reason=reason)
    snapshot_ids(PeerAssignment, ids, user=acting_user, reason=_("Rater excused: %(reason)s") % {"reason": reason})
    return len(ids)


@transaction.atomic
def scoring_decide_waiting(*, school_cycle: SchoolCycle, scoring: str, note: str, acting_user) -> int:
    """The committee's one decision for everyone of the school still waiting for one (lacking a part,
    scored the standard way): re-normalised weights, or not graded. The acting officer's own
    appraisal is left for another to decide (INST-RECUSAL)."""
    school_cycle = SchoolCycle.objects.select_for_update(of=("self",)).select_related("cycle", "school").get(pk=school_cycle.pk)
    cycle = school_cycle.cycle
    if cycle.state not in (S.LEADER, S.GRADING) and not (cycle.state == S.APPROVAL and school_cycle.state == SC.RETURNED):
        raise AppraisalError(_("The committee decides for those waiting once peer evaluation has closed, before the grades are approved."))
    if scoring not in (Appraisal.Scoring.RENORMALISED, Appraisal.Scoring.NOT_GRADED):
        raise AppraisalError(_("Choose how this person is scored."))
    note = _reason(note, _("The committee's decision"))
    problems = committee_problems(school_cycle.school)
    if problems:
        raise AppraisalError(" ".join(problems))
    waiting, _total = gaps(cycle, [school_cycle.school_id], leaders_done=cycle.state != S.LEADER)
    ids = list(Appraisal.objects.select_for_update().filter(pk__in=[g.appraisal_id for g in waiting], scoring=Appraisal.Scoring.STANDARD)
               .exclude(staff__person__user=acting_user).values_list("pk", flat=True))
    Appraisal.objects.filter(pk__in=ids).update(scoring=scoring, scoring_note=note)
    snapshot_ids(Appraisal, ids, user=acting_user, reason=_("Committee's decision on the scoring: %(how)s. %(note)s")
                 % {"how": Appraisal.Scoring(scoring).label, "note": note})
    return len(ids)


# ---- leadership evaluation ---------------------------------------------------------------------

def leader_version(appraisal) -> str:
    """What the leader's score and comment were when a page showed them: a page saved later changes
    only rows nobody changed meanwhile (two tabs, two leaders)."""
    return hashlib.sha256(f"{appraisal.leader_score}|{appraisal.leader_comment}".encode()).hexdigest()[:16]


def leaders_may_score(school_cycle) -> bool:
    """Leadership evaluation is open, or the leaders returned their school's grades to correct them."""
    return school_cycle.cycle.state == S.LEADER or (school_cycle.cycle.state == S.APPROVAL and school_cycle.state == SC.RETURNED)


@transaction.atomic
def leader_scores(*, school_cycle: SchoolCycle, scores: dict, acting_user) -> int:
    """A school leader's scores for their staff (领导评价): {appraisal id: (score or None, comment,
    version shown or None)}. All or nothing: one bad score, or a row someone else changed since the
    page showed it, refuses the page, naming the person."""
    school_cycle = SchoolCycle.objects.select_for_update().select_related("cycle").get(pk=school_cycle.pk)
    if not leaders_may_score(school_cycle):
        raise AppraisalError(_("Leadership evaluation is not open."))
    rows = {a.pk: a for a in Appraisal.objects.select_for_update().select_related("staff__person").filter(
        cycle_id=school_cycle.cycle_id, school_id=school_cycle.school_id, pk__in=list(scores))}
    changed = []
    for pk, (score, comment, version) in scores.items():
        appraisal = rows.get(pk)
        if appraisal is None:
            raise AppraisalError(_("This appraisal is not in your school's part of the cycle."))
        name = appraisal.staff.person.name
        value = None if score in (None, "") else _score(score, name)
        comment = _text(comment, 2000, _("%(person)s's comment") % {"person": name})
        if value == appraisal.leader_score and comment == appraisal.leader_comment:
            continue
        if version is not None and version != leader_version(appraisal):
            raise AppraisalError(_("%(person)s's score was changed by someone else after this page was opened: nothing is saved. "
                                   "Open the page again to see it.") % {"person": name})
        _not_own(appraisal, acting_user)
        appraisal.leader_score, appraisal.leader_comment = value, comment
        changed.append(appraisal)
    bulk_update_with_history(changed, Appraisal, ["leader_score", "leader_comment"], default_user=acting_user,
                             default_change_reason=_("Leadership score recorded"))
    return len(changed)


# ---- the committee ---------------------------------------------------------------------------------

def committee_problems(school, *, recused=None) -> list[str]:
    """Why the school's committee cannot decide yet, in words: too few members, too few staff
    representatives (职工代表, at least a share of all: a setting). `recused`: a member deciding on
    their own case (their appeal) does not count (INST-RECUSAL)."""
    c = _conf()
    members = list(CommitteeMember.objects.filter(committee__school=school, staff__status__in=(Staff.Status.ACTIVE, Staff.Status.SUSPENDED))
                   .exclude(staff=recused).values_list("staff_rep", flat=True))
    problems = []
    if len(members) < c["COMMITTEE_MIN_MEMBERS"]:
        problems.append(_("The appraisal committee needs at least %(n)d members; it has %(m)d.") % {"n": c["COMMITTEE_MIN_MEMBERS"], "m": len(members)})
    num, den = c["COMMITTEE_STAFF_REP_SHARE"]
    reps = sum(members)
    if members and reps * den < num * len(members):
        problems.append(_("At least %(num)d/%(den)d of the committee must be staff representatives (职工代表): %(reps)d of %(m)d are.")
                        % {"num": num, "den": den, "reps": reps, "m": len(members)})
    if problems and recused is not None and CommitteeMember.objects.filter(committee__school=school, staff=recused).exists():
        problems.insert(0, _("%(person)s sits on the committee and withdrew from deciding their own case.") % {"person": recused.person.name})
    return problems


@transaction.atomic
def committee_add(*, school, staff: Staff, staff_rep: bool, acting_user) -> CommitteeMember:
    if staff.school_id != school.pk or not staff.is_current:
        raise AppraisalError(_("A committee member is a current staff member of the school."))
    # Not get_or_create: its save would write a history row without the user and reason.
    committee = Committee.objects.select_for_update().filter(school=school).first()
    if committee is None:
        try:
            with transaction.atomic():
                committee = save_audited(Committee(school=school), user=acting_user, reason=_("Appraisal committee set up"))
        except IntegrityError:  # set up by someone else at this moment
            committee = Committee.objects.get(school=school)
    if CommitteeMember.objects.filter(committee=committee, staff=staff).exists():
        raise AppraisalError(_("%(person)s is already on the committee.") % {"person": staff.person.name})
    member = CommitteeMember(committee=committee, staff=staff, staff_rep=staff_rep)
    return save_audited(member, user=acting_user, reason=_("Added to the appraisal committee") if not staff_rep
                        else _("Added to the appraisal committee as a staff representative"))


@transaction.atomic
def committee_remove(*, member: CommitteeMember, reason: str, acting_user) -> None:
    reason = _reason(reason)
    member._history_user, member._change_reason = acting_user, _("Left the appraisal committee: %(reason)s") % {"reason": reason}
    member.delete()


@transaction.atomic
def scoring_decide(*, appraisal: Appraisal, scoring: str, note: str, acting_user) -> Appraisal:
    """The committee's decision on how someone lacking a part is scored (issue 11): weights
    re-normalised over the parts present, or not graded this cycle. HR records it; the record says so."""
    appraisal = Appraisal.objects.select_for_update(of=("self",)).select_related("cycle", "school__unit", "staff__person").get(pk=appraisal.pk)
    if appraisal.cycle.state not in (S.SELF, S.PEER, S.LEADER, S.GRADING, S.APPROVAL):
        raise AppraisalError(_("The scoring is decided before the results are published."))
    if appraisal.cycle.state == S.APPROVAL and SchoolCycle.objects.filter(
            cycle=appraisal.cycle, school=appraisal.school, state__in=(SC.GRADED, SC.APPROVED)).exists():
        raise AppraisalError(_("The school's grades are with its leaders: they return them for regrading first."))
    if scoring not in Appraisal.Scoring.values:
        raise AppraisalError(_("Choose how this person is scored."))
    _not_own(appraisal, acting_user)
    if scoring != Appraisal.Scoring.STANDARD and not _missing_parts(appraisal):
        raise AppraisalError(_("%(person)s has every part (self, peer and leadership evaluation): they are scored with the cycle's "
                               "weights. The committee decides only for someone lacking a part.") % {"person": appraisal.staff.person.name})
    note = _reason(note, _("The committee's decision"))
    problems = committee_problems(appraisal.school)
    if problems:
        raise AppraisalError(" ".join(problems))
    appraisal.scoring, appraisal.scoring_note = scoring, note
    return save_audited(appraisal, user=acting_user, reason=_("Committee's decision on the scoring: %(how)s. %(note)s")
                        % {"how": appraisal.get_scoring_display(), "note": note})


def peer_answers_used(n, cycle):
    """The answers a peer result is the mean of: one highest and one lowest dropped from trim_from
    on. `n` a count, or a Series of counts."""
    return n - 2 * (n >= cycle.trim_from)


def peer_result_counts(used, cycle):
    """A result needs the cycle's fewest answers *after* trimming: never a mean of one or two ratings."""
    return used >= max(cycle.min_raters, 3)


def _missing_parts(appraisal) -> bool:
    """Whether the person lacks a part with a weight so far (as scoring_frame counts it)."""
    cycle = appraisal.cycle
    used = peer_answers_used(PeerRating.objects.filter(appraisal=appraisal).count(), cycle)
    return ((cycle.weight_self and appraisal.self_score is None) or (cycle.weight_peer and not peer_result_counts(used, cycle))
            or (cycle.weight_leader and appraisal.leader_score is None))


# ---- composite and grades ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Gap:
    appraisal_id: int
    name: str
    missing: tuple[str, ...]


def _h(value) -> int | None:
    """A stored score or sum (Decimal, 2 places) in whole hundredths."""
    return None if value is None else int(Decimal(value).scaleb(2))


def _cents_sql(column: str) -> str:
    """A score column as whole hundredths, in SQL (exact: the column has 2 places)."""
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


def scoring_frame(cycle, school_ids=None) -> pd.DataFrame:
    """One row per appraisal of the cycle (or of these schools): its parts in whole hundredths and
    its peer answers aggregated in the database (count, sum, lowest, highest: never a rating)."""
    a, r = Appraisal._meta.db_table, PeerRating._meta.db_table

    def where(alias):
        clause, params = f"{alias}.cycle_id = %s", [cycle.pk]
        if school_ids is not None and connection.vendor == "postgresql":
            clause += f" AND {alias}.school_id = ANY(%s)"
            params.append(list(school_ids))
        elif school_ids is not None:
            clause += f" AND {alias}.school_id IN ({', '.join(['%s'] * len(school_ids))})" if school_ids else " AND 1 = 0"
            params += list(school_ids)
        return clause, params

    inner, inner_params = where("b")
    outer, outer_params = where("a")
    params = inner_params + outer_params
    # The ratings of these appraisals only: other cycles' ratings are never read.
    sql = (f"SELECT a.id, a.school_id, a.post_group, COALESCE({_cents_sql('a.self_score')}, -1), "
           f"COALESCE({_cents_sql('a.leader_score')}, -1), a.scoring, a.vetoed, "
           f"COALESCE(p.n, 0), COALESCE(p.total, 0), COALESCE(p.lo, 0), COALESCE(p.hi, 0) FROM {a} a LEFT JOIN ("
           f"SELECT r.appraisal_id, COUNT(*) AS n, SUM({_cents_sql('r.score')}) AS total, MIN({_cents_sql('r.score')}) AS lo, "
           f"MAX({_cents_sql('r.score')}) AS hi FROM {r} r JOIN {a} b ON b.id = r.appraisal_id WHERE {inner} GROUP BY r.appraisal_id"
           f") p ON p.appraisal_id = a.id WHERE {outer} ORDER BY a.id")
    frame = query_frame(sql, params, ["id", "school_id", "post_group", "self_h", "leader_h", "scoring", "vetoed", "n", "total", "lo", "hi"],
                        bools=("vetoed",))
    for column in ("self_h", "leader_h"):  # -1: the part is missing
        frame[column] = frame[column].astype("Int64").mask(frame[column] < 0)
    for column in ("id", "school_id", "n", "total", "lo", "hi"):
        frame[column] = frame[column].astype("int64")
    trim = frame["n"] >= cycle.trim_from
    used = peer_answers_used(frame["n"], cycle)
    counted = peer_result_counts(used, cycle)
    frame["peer_count"] = np.where(counted, used, 0)
    frame["peer_sum"] = np.where(counted, frame["total"] - np.where(trim, frame["lo"] + frame["hi"], 0), 0)
    frame["missing_self"] = frame["self_h"].isna().to_numpy() & bool(cycle.weight_self)
    frame["missing_peer"] = ~counted.to_numpy() & bool(cycle.weight_peer)
    frame["missing_leader"] = frame["leader_h"].isna().to_numpy() & bool(cycle.weight_leader)
    return frame


def _missing_words(cycle, row) -> tuple[str, ...]:
    missing = []
    if row.missing_self:
        missing.append(_("self-evaluation"))
    if row.missing_peer:
        missing.append(_("peer evaluation (%(n)d of at least %(min)d answers)") % {"n": row.n, "min": cycle.min_raters})
    if row.missing_leader:
        missing.append(_("leadership evaluation"))
    return tuple(missing)


def _gap_rows(frame):
    return frame[(frame["scoring"] == Appraisal.Scoring.STANDARD) & ~frame["vetoed"]
                 & (frame["missing_self"] | frame["missing_peer"] | frame["missing_leader"])]


def gaps(cycle, school_ids=None, limit=None, *, leaders_done=True) -> tuple[list[Gap], int]:
    """Who lacks a part and has no committee decision yet (grading waits for them): the first
    `limit` and how many in all. While the leaders are still scoring (`leaders_done` false), a
    missing leadership score is not yet a gap."""
    frame = scoring_frame(cycle, school_ids)
    if not leaders_done:
        frame["missing_leader"] = False
    found = _gap_rows(frame)
    total = len(found)
    if limit:
        found = found.head(limit)
    names = dict(Appraisal.objects.filter(pk__in=found["id"].tolist()).values_list("pk", "staff__person__name"))
    return [Gap(int(row.id), names.get(row.id, "?"), _missing_words(cycle, row)) for row in found.itertuples()], total


def _decimal_text(hundredths) -> pd.Series:
    """Whole hundredths as the text of a 2-place decimal ("8533" → "85.33"), None where negative."""
    values = pd.Series(hundredths, dtype=np.int64)
    text = (values // 100).astype(str) + "." + (values % 100).astype(str).str.zfill(2)
    return text.where(values >= 0, None)


def _grade_schools(cycle: Cycle, school_ids: list[int], acting_user) -> int:
    """Composite and grades of these schools' appraisals, in bulk: each school (and post group, when
    the cycle says so) a grading unit with its own 优秀 quota (hrflow.policy's frame forms, property-
    tested equal to the scalar rules). Tie decisions and changes are recomputed."""
    frame = scoring_frame(cycle, school_ids)
    found = _gap_rows(frame).head(5)
    if len(found):
        names = "、".join(Appraisal.objects.filter(pk__in=found["id"].tolist()).values_list("staff__person__name", flat=True))
        raise AppraisalError(_("Some people lack a part and the committee has not decided how they are scored (%(names)s…): "
                               "record its decisions first.") % {"names": names})
    composite = composite_of_parts_frame(frame, weights=cycle.weights).to_numpy()
    not_graded = (frame["scoring"] == Appraisal.Scoring.NOT_GRADED).to_numpy() & ~frame["vetoed"].to_numpy()
    nothing = frame[(composite < 0) & ~not_graded & ~frame["vetoed"].to_numpy()].head(5)
    if len(nothing):
        names = "、".join(Appraisal.objects.filter(pk__in=nothing["id"].tolist()).values_list("staff__person__name", flat=True))
        raise AppraisalError(_("Some people have no part with a weight to score them by (%(names)s…): the committee decides not to "
                               "grade them this cycle instead.") % {"names": names})
    graded = ~not_graded
    frame["unit"] = frame["school_id"].astype(str) + (":" + frame["post_group"] if cycle.separate_groups else "")
    frame["composite"] = pd.array([from_hundredths(int(h)) if h >= 0 else None for h in composite], dtype=object)
    to_grade = frame[graded]
    enrolled = to_grade.groupby("unit").size()
    quotas = excellent_quota_frame(enrolled, share=cycle.excellent_share)
    result = assign_grades_frame(to_grade[["unit", "id", "composite", "vetoed"]].rename(columns={"id": "key"}), quotas=quotas,
                                 excellent_min=cycle.excellent_min, pass_min=cycle.pass_min, basic_min=cycle.basic_min)
    grade_of = dict(zip(result["key"].tolist(), result["grade"].tolist()))
    tied_of = dict(zip(result["key"].tolist(), result["tied"].tolist()))
    # The rows written, built by columns: peer mean rounded half up from whole hundredths.
    count = frame["peer_count"].to_numpy()
    peer_h = (2 * frame["peer_sum"].to_numpy() + count) // np.maximum(2 * count, 1)
    graded_ids = result["key"].to_numpy()
    grades = pd.Series(result["grade"].to_numpy(), index=graded_ids).reindex(frame["id"].to_numpy())
    tied = pd.Series(result["tied"].to_numpy(dtype=bool), index=graded_ids).reindex(frame["id"].to_numpy(), fill_value=False)
    vetoed = frame["vetoed"].to_numpy()
    source = np.where(not_graded, Appraisal.GradeSource.COMMITTEE.value,
                      np.where(vetoed, Appraisal.GradeSource.VETO.value, Appraisal.GradeSource.COMPUTED.value))
    reason = np.where(vetoed & graded, _("Vetoed for a major safety incident (VETO-GRADE, 四(二))"), "").astype(object)
    if not_graded.any():  # the committee decided not to grade this person this cycle (不定等次): its note is the reason
        notes = dict(Appraisal.objects.filter(pk__in=frame.loc[not_graded, "id"].tolist()).values_list("pk", "scoring_note"))
        reason[not_graded] = [notes.get(pk, "") for pk in frame.loc[not_graded, "id"].tolist()]
    written = pd.DataFrame({
        "id": frame["id"].to_numpy(),
        "peer_count": count,
        "peer_score": _decimal_text(np.where(count > 0, peer_h, -1)),
        "composite": _decimal_text(np.where(graded, composite, -1)),
        "grade": grades.fillna("").to_numpy(dtype=object),  # tied, or not graded: no grade
        "grade_source": source.astype(object),
        "grade_reason": reason,
        "tied": tied.to_numpy(dtype=bool),
    })
    update_frame(Appraisal, written, history=(acting_user, _("Composite and grade computed")))
    school_cycles = list(SchoolCycle.objects.select_for_update().filter(cycle=cycle, school_id__in=school_ids).values_list("id", "state"))
    for state in {state for _id, state in school_cycles}:
        ids = [pk for pk, st in school_cycles if st == state]
        if state == SC.GRADED:  # a school graded again before its leaders answered: its history says so
            snapshot_ids(SchoolCycle, ids, user=acting_user, reason=_("Graded; sent to the school's leaders for approval"))
        else:
            bulk_transition(SchoolCycle, ids, "graded", source=state, user=acting_user,
                            reason=_("Graded; sent to the school's leaders for approval"))
    transaction.on_commit(lambda: refresh_statistics([Appraisal]) if len(written) >= ANALYZE_AFTER_ROWS else None)
    return len(written)


@transaction.atomic
def cycle_grade(*, cycle: Cycle, acting_user) -> int:
    """Compute every school's composite and grades and send each school's to its leaders."""
    cycle = _lock(cycle)
    if cycle.state != S.GRADING:
        raise AppraisalError(_("Grades are computed once leadership evaluation has closed."))
    school_ids = list(SchoolCycle.objects.filter(cycle=cycle).values_list("school_id", flat=True))
    count = _grade_schools(cycle, school_ids, acting_user)
    cycle.submit()
    save_audited(cycle, user=acting_user, reason=_("Composite and grades computed for %(count)d staff; sent for approval") % {"count": count})
    _complete(cycle, "grade", acting_user)
    _notify_leaders(cycle, school_ids, "approve", lambda: _("Appraisal: your school's grades await your approval (%(cycle)s)") % {"cycle": cycle.name})
    return count


def _lock_school(school_cycle) -> SchoolCycle:
    return SchoolCycle.objects.select_for_update().select_related("cycle", "school__unit").get(pk=school_cycle.pk)


@transaction.atomic
def school_regrade(*, school_cycle: SchoolCycle, acting_user) -> int:
    """The owner regrades a school whose leaders returned its grades."""
    school_cycle = _lock_school(school_cycle)
    Cycle.objects.select_for_update().get(pk=school_cycle.cycle_id)
    if school_cycle.state != SC.RETURNED or school_cycle.cycle.state != S.APPROVAL:
        raise AppraisalError(_("Only grades the leaders returned are computed again."))
    count = _grade_schools(school_cycle.cycle, [school_cycle.school_id], acting_user)
    _notify_leaders(school_cycle.cycle, [school_cycle.school_id], f"approve-{school_cycle.history.count()}",
                    lambda: _("Appraisal: your school's grades await your approval (%(cycle)s)") % {"cycle": school_cycle.cycle.name})
    return count


def _unit_of(appraisal, cycle):
    qs = Appraisal.objects.filter(cycle=cycle, school_id=appraisal.school_id)
    return qs.filter(post_group=appraisal.post_group) if cycle.separate_groups else qs


def places_left(appraisal, cycle) -> int:
    """优秀 places of the appraisal's grading unit not yet given."""
    unit = _unit_of(appraisal, cycle).exclude(scoring=Appraisal.Scoring.NOT_GRADED, vetoed=False)
    quota = excellent_quota(unit.count(), share=cycle.excellent_share)
    return quota - unit.filter(grade=GradeChoices.EXCELLENT).count()


def _leaders_turn(school_cycle):
    if school_cycle.cycle.state != S.APPROVAL or school_cycle.state != SC.GRADED:
        raise AppraisalError(_("The school's grades are not awaiting its leaders."))


@transaction.atomic
def tie_decide(*, school_cycle: SchoolCycle, group: str, excellent_ids: list[int], reason: str, acting_user) -> None:
    """Leadership decides a tie at the 优秀 cut (never broken silently): exactly the places left go to
    those chosen; the others of the tie get the grade their score gives."""
    school_cycle = _lock_school(school_cycle)
    _leaders_turn(school_cycle)
    cycle = school_cycle.cycle
    reason = _reason(reason)
    tied = list(Appraisal.objects.select_for_update().filter(cycle=cycle, school_id=school_cycle.school_id, tied=True,
                                                            **({"post_group": group} if cycle.separate_groups else {})))
    if not tied:
        raise AppraisalError(_("There is no tie to decide."))
    places = places_left(tied[0], cycle)
    chosen = set(excellent_ids)
    if not chosen <= {a.pk for a in tied}:
        raise AppraisalError(_("Choose among the tied people only."))
    for a in tied:
        _not_own(a, acting_user)
    places = max(0, min(places, len(tied)))  # a grade lowered meanwhile may have freed more places than the tie holds
    if len(chosen) != places:
        raise AppraisalError(_("Choose exactly %(n)d of the %(m)d tied people for 优秀: the places left.") % {"n": places, "m": len(tied)})
    for a in tied:
        a.tied = False
        a.grade_source = Appraisal.GradeSource.TIE
        a.grade_reason = reason
        a.grade = GradeChoices.EXCELLENT if a.pk in chosen else grade_by_threshold(_h(a.composite), cycle.pass_min * 100, cycle.basic_min * 100)
    bulk_update_with_history(tied, Appraisal, ["tied", "grade", "grade_source", "grade_reason"], default_user=acting_user,
                             default_change_reason=_("Tie at the 优秀 cut decided by leadership: %(reason)s") % {"reason": reason})


@transaction.atomic
def grade_change(*, appraisal: Appraisal, grade: str, reason: str, acting_user) -> Appraisal:
    """Leadership changes a grade with a written reason; never a vetoed one (VETO-GRADE), never
    beyond the 优秀 places."""
    appraisal = Appraisal.objects.select_for_update().select_related("cycle").get(pk=appraisal.pk)
    school_cycle = _lock_school(SchoolCycle.objects.get(cycle_id=appraisal.cycle_id, school_id=appraisal.school_id))
    _leaders_turn(school_cycle)
    if appraisal.vetoed:
        raise AppraisalError(_("A vetoed appraisal is 不合格 whatever its scores; it cannot be changed (VETO-GRADE)."))
    _not_own(appraisal, acting_user)
    if appraisal.tied:
        raise AppraisalError(_("Decide the tie at the 优秀 cut instead."))
    if grade not in GradeChoices.values:
        raise AppraisalError(_("Choose a grade."))
    if appraisal.scoring == Appraisal.Scoring.NOT_GRADED:
        raise AppraisalError(_("The committee decided not to grade this person this cycle."))
    if grade == appraisal.grade:
        raise AppraisalError(_("That is already the grade."))
    reason = _reason(reason)
    if grade == GradeChoices.EXCELLENT and places_left(appraisal, appraisal.cycle) <= 0:
        raise AppraisalError(_("No 优秀 place is left in this grading unit: the share is capped at %(share)s.")
                             % {"share": f"{appraisal.cycle.excellent_share * 100:.0f}%"})
    before = appraisal.get_grade_display()
    appraisal.grade, appraisal.grade_source, appraisal.grade_reason = grade, Appraisal.GradeSource.CHANGED, reason
    return save_audited(appraisal, user=acting_user, reason=_("Grade changed by leadership from %(before)s to %(after)s: %(reason)s")
                        % {"before": before, "after": appraisal.get_grade_display(), "reason": reason})


@transaction.atomic
def school_approve(*, school_cycle: SchoolCycle, note: str, acting_user) -> SchoolCycle:
    school_cycle = _lock_school(school_cycle)
    _leaders_turn(school_cycle)
    if Appraisal.objects.filter(cycle=school_cycle.cycle, school=school_cycle.school, tied=True).exists():
        raise AppraisalError(_("Decide the tie at the 优秀 cut first."))
    school_cycle.decision_note = _text(note, 2000, _("The note"))
    school_cycle.approved_by = acting_user
    school_cycle.approve()
    save_audited(school_cycle, user=acting_user, reason=_("Grades approved by the school's leadership") + (f": {school_cycle.decision_note}" if school_cycle.decision_note else ""))
    return school_cycle


@transaction.atomic
def school_return(*, school_cycle: SchoolCycle, reason: str, acting_user) -> SchoolCycle:
    school_cycle = _lock_school(school_cycle)
    _leaders_turn(school_cycle)
    school_cycle.decision_note = _reason(reason)
    school_cycle.return_for_regrading()
    save_audited(school_cycle, user=acting_user, reason=_("Grades returned for regrading: %(reason)s") % {"reason": school_cycle.decision_note})
    return school_cycle


RAISE_GRADES = (GradeChoices.EXCELLENT, GradeChoices.COMPETENT)


def _consequences(cycle, acting_user) -> None:
    """Grades as data the later workflows read: 基本合格 or 不合格 means no pay-step (薪级) raise that
    year; 不合格 in two annual appraisals running opens an exit review (INST-EXIT-GRADE, 条例 art. 16)."""
    rows = list(Appraisal.objects.filter(cycle=cycle).values_list("id", "grade", "vetoed", "exit_review", "staff__person_id"))
    failing = {person: pk for pk, grade, vetoed, _exit, person in rows if grade == GradeChoices.INCOMPETENT and not vetoed}
    previous = {}
    if failing and cycle.kind == Cycle.Kind.ANNUAL:
        for person_id, grade in (Appraisal.objects.filter(staff__person_id__in=list(failing), cycle__kind=Cycle.Kind.ANNUAL,
                                                          cycle__state__in=(S.PUBLISHED, S.CLOSED), cycle__period_end__lt=cycle.period_start)
                                 .order_by("staff__person_id", "-cycle__period_end").values_list("staff__person_id", "grade")):
            previous.setdefault(person_id, grade)
    twice = {failing[person] for person, grade in previous.items() if grade == GradeChoices.INCOMPETENT}
    updates = [(pk, (grade in RAISE_GRADES) if grade else None, "INST-EXIT-GRADE" if pk in twice else exit_review)
               for pk, grade, _vetoed, exit_review, _person in rows]
    update_rows(Appraisal, ["pay_step_raise", "exit_review"], updates)
    snapshot_ids(Appraisal, [u[0] for u in updates], user=acting_user, reason=_("Consequences of the grade recorded"))
    reason = _("不合格 in two annual appraisals running: an exit review is due (INST-EXIT-GRADE, 条例 art. 16)")
    for a in Appraisal.objects.filter(pk__in=twice):
        transaction.on_commit(lambda a=a: exit_review_due.send(sender=Appraisal, appraisal=a, rule="INST-EXIT-GRADE", reason=reason,
                                                               acting_user=acting_user))


@transaction.atomic
def cycle_publish(*, cycle: Cycle, acting_user) -> Cycle:
    """Results become visible to staff; the appeal window opens; the grades' consequences are recorded."""
    cycle = _lock(cycle)
    if cycle.state != S.APPROVAL:
        raise AppraisalError(_("The results are published once every school's leaders approved them."))
    waiting = SchoolCycle.objects.filter(cycle=cycle).exclude(state=SC.APPROVED).count()
    if waiting:
        raise AppraisalError(_("%(count)d schools have not approved their grades yet.") % {"count": waiting})
    cycle.published_on = clock.today()
    cycle.appeals_until = cycle.published_on + timedelta(days=cycle.appeal_days)
    cycle.publish()
    save_audited(cycle, user=acting_user, reason=_("Results published; appeals until %(day)s") % {"day": _day(cycle.appeals_until)})
    _consequences(cycle, acting_user)
    _complete(cycle, "publish", acting_user)
    _notify_staff(cycle, "published", lambda: _("Appraisal: your result is published (%(cycle)s)") % {"cycle": cycle.name})
    return cycle


# ---- appeals (复核) ----------------------------------------------------------------------------------

@transaction.atomic
def appeal_lodge(*, appraisal: Appraisal, grounds: str, acting_user) -> Appraisal:
    """The person asks for a review of their grade within the window; the committee decides by the due date."""
    appraisal = Appraisal.objects.select_for_update().select_related("cycle", "staff__person").get(pk=appraisal.pk)
    if not _own(appraisal, acting_user):
        raise AppraisalError(_("Only the person appraised appeals their grade."))
    cycle = appraisal.cycle
    if cycle.state != S.PUBLISHED or clock.today() > cycle.appeals_until:
        raise AppraisalError(_("Appeals are lodged while the appeal window is open."))
    if appraisal.appeal_state != "none":
        raise AppraisalError(_("You have already appealed this grade."))
    if not appraisal.grade:
        raise AppraisalError(_("There is no grade to appeal."))
    appraisal.appeal_text = _text(grounds, 3000, _("The grounds"))
    if not appraisal.appeal_text:
        raise AppraisalError(_("Say why you ask for a review."))
    appraisal.appeal_lodged_on = clock.today()
    appraisal.appeal_due_on = appraisal.appeal_lodged_on + timedelta(days=_conf()["APPEAL_DECISION_DAYS"])
    appraisal.lodge_appeal()
    save_audited(appraisal, user=acting_user, reason=_("Appeal lodged; to be decided by %(day)s") % {"day": _day(appraisal.appeal_due_on)})
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Appraisal: an appeal to decide (%(person)s)") % {"person": appraisal.staff.person.name}
        ids = tuple(_school_users([appraisal.school_id], Role.HR_OFFICER).values_list("id", flat=True))
        notify_many([Event(recipient_ids=ids, event_key=f"appraisal.appeal:{appraisal.pk}", subject=text,
                           url=reverse("appraisal:appraisal_detail", args=[appraisal.pk]))])
    return appraisal


@transaction.atomic
def appeal_decide(*, appraisal: Appraisal, grade: str, decision: str, acting_user) -> Appraisal:
    """The committee's decision (HR records it): the grade kept or changed, with its reasons. Never a
    vetoed grade (VETO-GRADE); 优秀 only within the places left."""
    appraisal = Appraisal.objects.select_for_update(of=("self",)).select_related("cycle", "school__unit", "staff__person").get(pk=appraisal.pk)
    if appraisal.appeal_state != "lodged":
        raise AppraisalError(_("There is no appeal waiting for a decision."))
    _not_own(appraisal, acting_user)
    decision = _reason(decision, _("The committee's decision"))
    problems = committee_problems(appraisal.school, recused=appraisal.staff)
    if problems:
        raise AppraisalError(" ".join(problems))
    if grade not in GradeChoices.values:
        raise AppraisalError(_("Choose a grade."))
    before = appraisal.get_grade_display()
    if grade != appraisal.grade:
        if appraisal.vetoed:
            raise AppraisalError(_("A vetoed appraisal is 不合格 whatever its scores; it cannot be changed (VETO-GRADE)."))
        if grade == GradeChoices.EXCELLENT and places_left(appraisal, appraisal.cycle) <= 0:
            raise AppraisalError(_("No 优秀 place is left in this grading unit: the share is capped at %(share)s.")
                                 % {"share": f"{appraisal.cycle.excellent_share * 100:.0f}%"})
        appraisal.grade, appraisal.grade_source, appraisal.grade_reason = grade, Appraisal.GradeSource.COMMITTEE, decision
        appraisal.pay_step_raise = grade in RAISE_GRADES
        if appraisal.exit_review == "INST-EXIT-GRADE" and grade != GradeChoices.INCOMPETENT:
            appraisal.exit_review = ""
    appraisal.appeal_decision = decision
    appraisal.decide_appeal()
    after = appraisal.get_grade_display()
    with translation.override(settings.LANGUAGE_CODE):
        notify_people([(appraisal.staff.person.user_id, f"appraisal.appeal-decided:{appraisal.pk}",
                        _("Appraisal: the committee has decided your appeal (%(cycle)s)") % {"cycle": appraisal.cycle.name}, reverse("appraisal:mine"))])
    reason = (_("Appeal decided by the committee: grade changed from %(before)s to %(after)s. %(decision)s") if before != after
              else _("Appeal decided by the committee: grade %(after)s kept. %(decision)s")) % {"before": before, "after": after, "decision": decision}
    if CommitteeMember.objects.filter(committee__school=appraisal.school, staff=appraisal.staff).exists():
        reason += " " + _("%(person)s sits on the committee and withdrew from deciding their own case.") % {"person": appraisal.staff.person.name}
    return save_audited(appraisal, user=acting_user, reason=reason)


@transaction.atomic
def cycle_close(*, cycle: Cycle, acting_user) -> Cycle:
    cycle = _lock(cycle)
    if cycle.state != S.PUBLISHED:
        raise AppraisalError(_("Only a published cycle is closed."))
    if clock.today() <= cycle.appeals_until:
        raise AppraisalError(_("The appeal window is open until %(day)s.") % {"day": _day(cycle.appeals_until)})
    pending = Appraisal.objects.filter(cycle=cycle, appeal_state="lodged").count()
    if pending:
        raise AppraisalError(_("%(count)d appeals are waiting for the committee's decision.") % {"count": pending})
    if unanswered(cycle).exists():  # cannot happen after peer evaluation closed; a guard, not a rule
        raise AppraisalError(_("Some raters have neither answered nor been excused."))
    cycle.close()
    save_audited(cycle, user=acting_user, reason=_("Cycle closed"))
    _complete(cycle, "close", acting_user)
    return cycle



# ---- revealing raters: an explicit right, logged each time ------------------------------------------

def holds_reveal_right(user) -> bool:
    """Granted explicitly (user or group permission appraisal.reveal_raters); a superuser's
    everything-permission does not count: administering the system is not a role."""
    from django.contrib.auth.models import Permission

    if not getattr(user, "is_authenticated", False):
        return False
    granted = Permission.objects.filter(content_type__app_label="appraisal", codename="reveal_raters")
    return granted.filter(user=user).exists() or granted.filter(group__user=user).exists()


@transaction.atomic
def raters_reveal(*, appraisal: Appraisal, reason: str, acting_user) -> list[tuple[str, Decimal | None, bool]]:
    """Who rated this appraisal and how: (rater's name, score or None, excused). Logged first."""
    from .models import RaterReveal

    if not holds_reveal_right(acting_user):
        raise AppraisalError(_("Seeing who rated whom needs an explicit right."))
    reason = _reason(reason)
    log = RaterReveal(appraisal=appraisal, auditor=acting_user, reason=reason)
    save_audited(log, user=acting_user, reason=_("Raters revealed: %(reason)s") % {"reason": reason})
    ratings = {r.token: r.score for r in PeerRating.objects.filter(appraisal=appraisal)}
    shown = []
    for asg in PeerAssignment.objects.filter(appraisal=appraisal).select_related("rater__person").order_by("rater__person__name", "pk"):
        score = next((ratings[t] for t in _tokens(appraisal.cycle_id, asg.rater_id, appraisal.pk) if t in ratings), None)
        shown.append((asg.rater.person.name, score, asg.excused))
    return shown
