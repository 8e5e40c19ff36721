"""Every business action of an appraisal cycle: one function each, atomic, audited.

The owner's steps (the school's HR officer, or the bureau officer of a bureau's cycle) also complete
the cycle's viewflow task in the same transaction (hrflow.core.flowsteps). Bulk steps (enrolment,
rater assignment, grading) read with a few queries and write with bulk_*_with_history.

Peer ratings are written here only: the rater's token is computed here and nowhere else.
"""

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from hrflow.core import clock, flowsteps
from hrflow.core.history import save_audited
from hrflow.core.validators import policy_message
from hrflow.notifications.services import Event, notify_many
from hrflow.org.models import OrgUnit, Role
from hrflow.people.models import EmploymentType, Staff
from hrflow.policy import PolicyInputError, assign_grades, composite_of_parts_hundredths, excellent_quota, trimmed_peer
from hrflow.policy.appraisal import (
    check_thresholds, check_trim_from, check_weights, from_hundredths, grade_by_threshold, score_hundredths, share_fraction,
)

from .signals import exit_review_due
from .models import Appraisal, Committee, CommitteeMember, Cycle, GradeChoices, PeerAssignment, PeerRating, SchoolCycle, post_group_of

S = Cycle.State
SC = SchoolCycle.State
# STAFF-PURCHASE: purchased-service staff are employed and appraised by their company, not the school.
APPRAISED_TYPES = (EmploymentType.ESTABLISHMENT, EmploymentType.CONTRACT, EmploymentType.DISPATCHED)
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
        _policy(lambda: check_weights((self.weight_self, self.weight_peer, self.weight_leader)))
        _policy(lambda: share_fraction(self.excellent_share))
        _policy(lambda: check_thresholds(self.excellent_min, self.pass_min, self.basic_min))
        _policy(lambda: check_trim_from(self.trim_from))
        if not 1 <= self.peers_per_person <= 50:
            raise AppraisalError(_("Peer raters per person: from 1 to 50."))
        if not 1 <= self.min_raters <= self.peers_per_person:
            raise AppraisalError(_("The fewest answers for a peer result: from 1 to the raters per person."))
        if not 1 <= self.appeal_days <= 60:
            raise AppraisalError(_("The appeal window: from 1 to 60 days."))


def owner_role(unit: OrgUnit) -> str:
    """Who runs a cycle: the school's HR officer, or a bureau officer for a bureau's cycle."""
    return Role.HR_OFFICER if unit.kind == OrgUnit.Kind.SCHOOL else Role.BUREAU_OFFICER


@transaction.atomic
def cycle_create(*, unit: OrgUnit, name: str, kind: str, period_start: date, period_end: date, config: CycleSettings,
                 acting_user) -> Cycle:
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
    config.check()
    cycle = Cycle(unit=unit, name=name, kind=kind, period_start=period_start, period_end=period_end, created_by=acting_user,
                  **{k: v for k, v in vars(config).items()})
    save_audited(cycle, user=acting_user, reason=_("Appraisal cycle created"))
    cycle.process = flow_class().start.run(cycle=cycle)
    save_audited(cycle, user=acting_user, reason=_("Appraisal process started"))
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, name: str, period_start: date, period_end: date, config: CycleSettings, acting_user) -> Cycle:
    cycle = _lock(cycle)
    if cycle.state != S.DRAFT:
        raise AppraisalError(_("The settings are fixed once the cycle has opened."))
    name = _text(name, 200, _("The name"))
    if not name:
        raise AppraisalError(_("Give the cycle a name."))
    if period_end < period_start or (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise AppraisalError(_("The period cannot end before it starts."))
    config.check()
    cycle.name, cycle.period_start, cycle.period_end = name, period_start, period_end
    for key, value in vars(config).items():
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
    rows = list(_staff_in_scope(cycle))
    if not rows:
        raise AppraisalError(_("Nobody in this cycle's scope can be appraised."))
    reason = _("Enrolled in %(cycle)s") % {"cycle": cycle.name}
    schools = sorted({school for _pk, school, _cat in rows})
    per_school = defaultdict(int)
    appraisals = []
    for staff_id, school_id, category in rows:
        per_school[school_id] += 1
        appraisals.append(Appraisal(cycle=cycle, staff_id=staff_id, school_id=school_id, post_group=post_group_of(category)))
    bulk_create_with_history(appraisals, Appraisal, batch_size=BATCH, default_user=acting_user, default_change_reason=reason)
    bulk_create_with_history([SchoolCycle(cycle=cycle, school_id=s, enrolled=per_school[s]) for s in schools], SchoolCycle,
                             batch_size=BATCH, default_user=acting_user, default_change_reason=reason)
    groups = defaultdict(list)
    for appraisal_id, staff_id, school_id, group in Appraisal.objects.filter(cycle=cycle).order_by("id").values_list(
            "id", "staff_id", "school_id", "post_group"):
        groups[(school_id, group)].append((appraisal_id, staff_id))
    assignments = []
    for members in groups.values():
        staff_of = dict(members)
        for rated, rater in assign_raters([a for a, _s in members], cycle.peers_per_person):
            assignments.append(PeerAssignment(appraisal_id=rated, rater_id=staff_of[rater]))
    bulk_create_with_history(assignments, PeerAssignment, batch_size=BATCH, default_user=acting_user,
                             default_change_reason=_("Peer raters assigned"))
    from .veto import veto_enrolled  # veto builds on this module

    veto_enrolled(cycle, acting_user)
    cycle.open()
    save_audited(cycle, user=acting_user, reason=_("Opened: %(count)d staff enrolled, self-evaluation open") % {"count": len(rows)})
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


def _school_users(school_ids, role):
    return get_user_model().objects.filter(role_assignments__role=role, role_assignments__unit__school__id__in=school_ids,
                                           is_active=True).distinct()


def _notify_leaders(cycle, school_ids, event, subject):
    with translation.override(settings.LANGUAGE_CODE):
        text = subject()
        events = []
        for sc_id, school_id in SchoolCycle.objects.filter(cycle=cycle, school_id__in=school_ids).values_list("id", "school_id"):
            ids = tuple(_school_users([school_id], Role.SCHOOL_LEADER).values_list("id", flat=True))
            events.append(Event(recipient_ids=ids, event_key=f"appraisal.{event}:{sc_id}", subject=text,
                                url=reverse("appraisal:school_cycle", args=[sc_id])))
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


def _score(value, what) -> Decimal:
    return from_hundredths(_policy(lambda: score_hundredths(value, what)))


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
    long absence). A rating already given is withdrawn."""
    assignment = PeerAssignment.objects.select_for_update().select_related("appraisal__cycle", "rater__person").get(pk=assignment.pk)
    if assignment.appraisal.cycle.state not in (S.SELF, S.PEER):
        raise AppraisalError(_("Raters are excused before peer evaluation closes."))
    if assignment.excused:
        raise AppraisalError(_("This rater is already excused."))
    assignment.excused_reason = _reason(reason)
    rating = own_rating(assignment)
    if rating is not None:
        rating._change_reason = _("Peer rating withdrawn: the rater was excused")
        rating._history_date = _midnight()
        rating.delete()
    PeerAssignment.objects.filter(pk=assignment.pk).update(answered=False)
    assignment.answered = False
    return save_audited(assignment, user=acting_user, reason=_("Rater excused: %(reason)s") % {"reason": assignment.excused_reason})


# ---- leadership evaluation ---------------------------------------------------------------------

@transaction.atomic
def leader_scores(*, school_cycle: SchoolCycle, scores: dict, acting_user) -> int:
    """A school leader's scores for their staff (领导评价): {appraisal id: (score or None, comment)}.
    All or nothing: one bad score refuses the page, naming the person."""
    school_cycle = SchoolCycle.objects.select_related("cycle").get(pk=school_cycle.pk)
    if school_cycle.cycle.state != S.LEADER:
        raise AppraisalError(_("Leadership evaluation is not open."))
    rows = {a.pk: a for a in Appraisal.objects.select_for_update().select_related("staff__person").filter(
        cycle_id=school_cycle.cycle_id, school_id=school_cycle.school_id, pk__in=list(scores))}
    changed = []
    for pk, (score, comment) in scores.items():
        appraisal = rows.get(pk)
        if appraisal is None:
            raise AppraisalError(_("This appraisal is not in your school's part of the cycle."))
        name = appraisal.staff.person.name
        value = None if score in (None, "") else _score_for(score, name)
        comment = _text(comment, 2000, _("%(person)s's comment") % {"person": name})
        if value != appraisal.leader_score or comment != appraisal.leader_comment:
            appraisal.leader_score, appraisal.leader_comment = value, comment
            changed.append(appraisal)
    bulk_update_with_history(changed, Appraisal, ["leader_score", "leader_comment"], default_user=acting_user,
                             default_change_reason=_("Leadership score recorded"))
    return len(changed)


def _score_for(value, name) -> Decimal:
    try:
        return from_hundredths(score_hundredths(value, "score"))
    except PolicyInputError:
        raise AppraisalError(_("%(person)s: a score from 0 to 100 with at most 2 decimal places.") % {"person": name}) from None


# ---- the committee ---------------------------------------------------------------------------------

def committee_problems(school) -> list[str]:
    """Why the school's committee cannot decide yet, in words: too few members, too few staff
    representatives (职工代表, at least a share of all: a setting)."""
    c = _conf()
    members = list(CommitteeMember.objects.filter(committee__school=school, staff__status__in=(Staff.Status.ACTIVE, Staff.Status.SUSPENDED))
                   .values_list("staff_rep", flat=True))
    problems = []
    if len(members) < c["COMMITTEE_MIN_MEMBERS"]:
        problems.append(_("The appraisal committee needs at least %(n)d members; it has %(m)d.") % {"n": c["COMMITTEE_MIN_MEMBERS"], "m": len(members)})
    num, den = c["COMMITTEE_STAFF_REP_SHARE"]
    reps = sum(members)
    if members and reps * den < num * len(members):
        problems.append(_("At least %(num)d/%(den)d of the committee must be staff representatives (职工代表): %(reps)d of %(m)d are.")
                        % {"num": num, "den": den, "reps": reps, "m": len(members)})
    return problems


@transaction.atomic
def committee_add(*, school, staff: Staff, staff_rep: bool, acting_user) -> CommitteeMember:
    if staff.school_id != school.pk or not staff.is_current:
        raise AppraisalError(_("A committee member is a current staff member of the school."))
    committee, created = Committee.objects.get_or_create(school=school)
    if created:
        save_audited(committee, user=acting_user, reason=_("Appraisal committee set up"))
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
    appraisal = Appraisal.objects.select_for_update().select_related("cycle", "school__unit").get(pk=appraisal.pk)
    if appraisal.cycle.state not in (S.SELF, S.PEER, S.LEADER, S.GRADING, S.APPROVAL):
        raise AppraisalError(_("The scoring is decided before the results are published."))
    if appraisal.cycle.state == S.APPROVAL and SchoolCycle.objects.filter(
            cycle=appraisal.cycle, school=appraisal.school, state__in=(SC.GRADED, SC.APPROVED)).exists():
        raise AppraisalError(_("The school's grades are with its leaders: they return them for regrading first."))
    if scoring not in Appraisal.Scoring.values:
        raise AppraisalError(_("Choose how this person is scored."))
    note = _reason(note, _("The committee's decision"))
    problems = committee_problems(appraisal.school)
    if problems:
        raise AppraisalError(" ".join(problems))
    appraisal.scoring, appraisal.scoring_note = scoring, note
    return save_audited(appraisal, user=acting_user, reason=_("Committee's decision on the scoring: %(how)s. %(note)s")
                        % {"how": appraisal.get_scoring_display(), "note": note})


# ---- composite and grades ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Gap:
    appraisal_id: int
    name: str
    missing: tuple[str, ...]


def _peer_aggregates(cycle, school_ids=None):
    qs = PeerRating.objects.filter(appraisal__cycle=cycle)
    if school_ids is not None:
        qs = qs.filter(appraisal__school_id__in=school_ids)
    return {row["appraisal_id"]: row for row in qs.values("appraisal_id").annotate(
        n=Count("id"), total=Sum("score"), lo=Min("score"), hi=Max("score")).order_by()}


def _h(value) -> int | None:
    """A stored score or sum (Decimal, 2 places) in whole hundredths."""
    return None if value is None else int(Decimal(value).scaleb(2))


def _parts(cycle, a: dict, peer: dict | None):
    """(self_h, (peer sum, count) or None, leader_h, peer_count, missing part names)."""
    self_h, leader_h = _h(a["self_score"]), _h(a["leader_score"])
    n = peer["n"] if peer else 0
    peer_part = None
    if n and n >= cycle.min_raters:
        peer_part = trimmed_peer(_h(peer["total"]), n, _h(peer["lo"]), _h(peer["hi"]), cycle.trim_from)
    missing = []
    if self_h is None and cycle.weight_self:
        missing.append(_("self-evaluation"))
    if peer_part is None and cycle.weight_peer:
        missing.append(_("peer evaluation (%(n)d of at least %(min)d answers)") % {"n": n, "min": cycle.min_raters})
    if leader_h is None and cycle.weight_leader:
        missing.append(_("leadership evaluation"))
    return self_h, peer_part, leader_h, n, tuple(missing)


FIELDS = ("id", "staff__person__name", "school_id", "post_group", "self_score", "leader_score", "scoring", "vetoed")


def gaps(cycle, school_ids=None, limit=None) -> list[Gap]:
    """Who lacks a part and has no committee decision yet: grading waits for them."""
    qs = Appraisal.objects.filter(cycle=cycle, scoring=Appraisal.Scoring.STANDARD, vetoed=False)
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    peers = _peer_aggregates(cycle, school_ids)
    found = []
    for a in qs.order_by("id").values(*FIELDS):
        missing = _parts(cycle, a, peers.get(a["id"]))[4]
        if missing:
            found.append(Gap(a["id"], a["staff__person__name"], missing))
            if limit and len(found) >= limit:
                break
    return found


def _grade_schools(cycle: Cycle, school_ids: list[int], acting_user) -> int:
    """Composite and grades of these schools' appraisals, each school (and post group, when the cycle
    says so) a grading unit with its own 优秀 quota. Tie decisions and changes are recomputed."""
    found = gaps(cycle, school_ids, limit=5)
    if found:
        names = "、".join(g.name for g in found)
        raise AppraisalError(_("Some people lack a part and the committee has not decided how they are scored (%(names)s…): "
                               "record its decisions first.") % {"names": names})
    peers = _peer_aggregates(cycle, school_ids)
    rows = list(Appraisal.objects.filter(cycle=cycle, school_id__in=school_ids).order_by("id"))
    units = defaultdict(dict)
    vetoed = defaultdict(list)
    for a in rows:
        values = {f: getattr(a, f) for f in ("self_score", "leader_score")}
        self_h, peer_part, leader_h, n, _missing = _parts(cycle, {**values, "id": a.pk}, peers.get(a.pk))
        a.peer_count = n
        a.peer_score = from_hundredths((2 * peer_part[0] + peer_part[1]) // (2 * peer_part[1])) if peer_part and peer_part[1] else None
        unit = (a.school_id, a.post_group if cycle.separate_groups else "")
        a.tied = False
        if a.scoring == Appraisal.Scoring.NOT_GRADED and not a.vetoed:
            a.composite, a.grade, a.grade_source, a.grade_reason = None, "", Appraisal.GradeSource.COMMITTEE, a.scoring_note
            continue
        try:
            a.composite = from_hundredths(composite_of_parts_hundredths(weights=cycle.weights, self_h=self_h, peer=peer_part, leader_h=leader_h))
        except PolicyInputError:
            a.composite = None  # vetoed with no part at all: VETO-GRADE needs no composite
        if a.vetoed:
            vetoed[unit].append(a.pk)
        else:
            units[unit][a.pk] = a.composite
    by_id = {a.pk: a for a in rows}
    for unit in set(units) | set(vetoed):
        enrolled = len(units[unit]) + len(vetoed[unit])
        quota = excellent_quota(enrolled, share=cycle.excellent_share)
        result = assign_grades(units[unit], quota=quota, vetoed=vetoed[unit], excellent_min=cycle.excellent_min,
                               pass_min=cycle.pass_min, basic_min=cycle.basic_min)
        for key, grade in result.grades.items():
            a = by_id[key]
            a.grade = grade or ""
            a.tied = grade is None
            a.grade_source = Appraisal.GradeSource.VETO if a.vetoed else Appraisal.GradeSource.COMPUTED
            a.grade_reason = _("Vetoed for a major safety incident (VETO-GRADE, 四(二))") if a.vetoed else ""
    bulk_update_with_history(rows, Appraisal, ["peer_count", "peer_score", "composite", "grade", "grade_source", "grade_reason", "tied"],
                             batch_size=BATCH, default_user=acting_user, default_change_reason=_("Composite and grade computed"))
    for sc in SchoolCycle.objects.select_for_update().filter(cycle=cycle, school_id__in=school_ids):
        sc.graded()
        save_audited(sc, user=acting_user, reason=_("Graded; sent to the school's leaders for approval"))
    return len(rows)


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
    rows = list(Appraisal.objects.filter(cycle=cycle).select_related("staff__person"))
    failing = {a.staff.person_id: a for a in rows if a.grade == GradeChoices.INCOMPETENT and not a.vetoed}
    previous = {}
    if failing and cycle.kind == Cycle.Kind.ANNUAL:
        for person_id, grade in (Appraisal.objects.filter(staff__person_id__in=list(failing), cycle__kind=Cycle.Kind.ANNUAL,
                                                          cycle__state__in=(S.PUBLISHED, S.CLOSED), cycle__period_end__lt=cycle.period_start)
                                 .order_by("staff__person_id", "-cycle__period_end").values_list("staff__person_id", "grade")):
            previous.setdefault(person_id, grade)
    for a in rows:
        a.pay_step_raise = None if not a.grade else a.grade in RAISE_GRADES
        if not a.vetoed and previous.get(a.staff.person_id) == GradeChoices.INCOMPETENT and a.pk == failing.get(a.staff.person_id, a).pk:
            a.exit_review = "INST-EXIT-GRADE"
            reason = _("不合格 in two annual appraisals running: an exit review is due (INST-EXIT-GRADE, 条例 art. 16)")
            transaction.on_commit(lambda a=a, reason=reason: exit_review_due.send(
                sender=Appraisal, appraisal=a, rule="INST-EXIT-GRADE", reason=reason, acting_user=acting_user))
    bulk_update_with_history(rows, Appraisal, ["pay_step_raise", "exit_review"], batch_size=BATCH, default_user=acting_user,
                             default_change_reason=_("Consequences of the grade recorded"))


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
    appraisal = Appraisal.objects.select_for_update().select_related("cycle", "school__unit").get(pk=appraisal.pk)
    if appraisal.appeal_state != "lodged":
        raise AppraisalError(_("There is no appeal waiting for a decision."))
    decision = _reason(decision, _("The committee's decision"))
    problems = committee_problems(appraisal.school)
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
    return save_audited(appraisal, user=acting_user, reason=(
        _("Appeal decided by the committee: grade changed from %(before)s to %(after)s. %(decision)s") if before != after
        else _("Appeal decided by the committee: grade %(after)s kept. %(decision)s")) % {"before": before, "after": after, "decision": decision})


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
