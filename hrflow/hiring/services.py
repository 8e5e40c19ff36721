"""Every business action of a selection round: one function each, audited, atomic.

Each round-level step moves the round's FSM state and completes the matching viewflow task
(hiring.steps) in the same transaction, so the inbox and the record never disagree.
"""

from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_fsm import can_proceed
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from hrflow.contracts.services import contract_create_draft
from hrflow.core import clock
from hrflow.core.history import save_audited, system_user
from hrflow.core.validators import policy_message
from hrflow.notifications.services import notify
from hrflow.org.models import Role
from hrflow.people.models import ATTESTATION_FIELDS, Person, Staff
from hrflow.people.services import attestation_record, employment_link
from hrflow.policy import PolicyInputError, publicity_ends
from hrflow.policy import review as review_rules

from . import steps
from .applicants import validate_applicant
from .models import (
    Application,
    CalendarDay,
    CollectiveReview,
    Examination,
    Finding,
    Objection,
    Publicity,
    Rater,
    Recusal,
    ReviewItem,
    ReviewMember,
    RoundPost,
    Score,
    SelectionRound,
)

S = SelectionRound.State
A = Application.State
# Applications still in the running somewhere (for the overlap check).
ACTIVE_STATES = (A.SUBMITTED, A.ELIGIBLE, A.FLAGGED, A.EXAMINING, A.EXAMINED, A.PROPOSED, A.APPROVED)


class HiringError(Exception):
    """A refused action, with a message for the user."""


def _day(value) -> str:
    """A date in the reader's format (2026年6月12日)."""
    return date_format(value, "DATE_FORMAT")


def _lock_round(round) -> SelectionRound:
    return SelectionRound.objects.select_for_update().select_related("school__unit").get(pk=round.pk)


def _move(round, method: str, *, user, reason: str, step: str | None, **changes):
    """Lock the round, take the transition (with `changes` to its fields), save with history,
    complete the flow step."""
    round = _lock_round(round)
    transition = getattr(round, method)
    if not can_proceed(transition):
        raise HiringError(_("This step is not possible while the round is “%(state)s”.") % {"state": round.get_state_display()})
    transition()
    for field, value in changes.items():
        setattr(round, field, value)
    save_audited(round, user=user, reason=reason)
    if step:
        steps.complete_step(round, step, user)
    return round


# --- Plan -----------------------------------------------------------------------------------

def _check_plan(data: dict, posts: list[dict]):
    errors = {}
    today = clock.today()
    if data["exam_weight"] + data["interview_weight"] != 100:
        errors["interview_weight"] = _("The weights of the written exam and the interview must add up to 100%.")
    # A window that opened before the plan exists would be announced as a period nobody could use.
    if data["opens_on"] < today:
        errors["opens_on"] = _("Applications cannot open before today (%(day)s).") % {"day": _day(today)}
    if data["closes_on"] < data["opens_on"]:
        errors["closes_on"] = _("Applications cannot close before they open.")
    reference = data.get("reference_date")
    # An earlier reference date would make older applicants younger than they are on any real step.
    if reference is not None and not (today <= reference <= data["closes_on"]):
        errors["reference_date"] = _("The reference date for age lies between today and the closing date.")
    if not posts:
        errors["__all__"] = _("A round needs at least one post.")
    for index, post in enumerate(posts, start=1):
        # The residents' gender belongs to dormitory posts, the certificate to technical ones.
        if post["category"] != "dormitory":
            post["dorm_gender"] = ""
        if post["category"] != "technical":
            post["certificate"] = ""
        if post["category"] == "dormitory" and post.get("dorm_gender") not in ("M", "F"):
            errors[f"post-{index}"] = _("Post %(n)d: a dormitory post states the residents' gender (三(一)2).") % {"n": index}
        if post["category"] == "technical" and not (post.get("certificate") or "").strip():
            errors[f"post-{index}"] = _("Post %(n)d: a technical post states its certificate (三(三)).") % {"n": index}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def round_create(*, school, data: dict, posts: list[dict], acting_user) -> SelectionRound:
    _check_plan(data, posts)
    round = SelectionRound(school=school, created_by=acting_user, **data)
    save_audited(round, user=acting_user, reason=_("Plan drafted"))
    for post in posts:
        save_audited(RoundPost(round=round, **post), user=acting_user, reason=_("Plan drafted"))
    steps.start_process(round)
    return save_audited(round, user=acting_user, reason=_("Workflow started"))


@transaction.atomic
def round_update(*, round, data: dict, posts: list[dict], acting_user, reason: str) -> SelectionRound:
    round = _lock_round(round)
    if round.state != S.DRAFT:
        raise HiringError(_("Only a plan in preparation can be edited."))
    _check_plan(data, posts)
    for field, value in data.items():
        setattr(round, field, value)
    save_audited(round, user=acting_user, reason=reason)
    for old in round.posts.all():
        old._history_user, old._change_reason = acting_user, reason
        old.delete()
    for post in posts:
        save_audited(RoundPost(round=round, **post), user=acting_user, reason=reason)
    return round


@transaction.atomic
def round_submit(*, round, acting_user) -> SelectionRound:
    round = _move(round, "submit", user=acting_user, reason=_("Plan submitted for approval"), step="submit_plan")
    _notify_leaders_of_plan(round, acting_user)
    return round


def _notify_leaders_of_plan(round, acting_user):
    """The school's leaders learn that a plan awaits their approval (in-app and by mail), once per submission."""
    from hrflow.audit.labels import user_label

    leaders = get_user_model().objects.filter(
        role_assignments__role=Role.SCHOOL_LEADER, role_assignments__unit_id=round.school.unit_id
    ).distinct()
    # Stored as prose in the site's language, like the audit trail.
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            recipients=leaders, event_key=f"hiring.plan_submitted:{round.pk}:{round.history.count()}",
            subject=_("A selection plan awaits your approval: %(title)s") % {"title": round.title},
            body=_("%(officer)s submitted the plan of %(title)s (%(school)s) for approval.") % {
                "officer": user_label(acting_user), "title": round.title, "school": round.school.unit.name},
            url=reverse("hiring:round_detail", args=[round.pk]),
        )


@transaction.atomic
def round_approve(*, round, acting_user, note: str = "") -> SelectionRound:
    return _move(round, "approve", user=acting_user, reason=_("Plan approved: %(note)s") % {"note": note or "—"},
                 step="approve_plan", approval_note=note)


@transaction.atomic
def round_reject(*, round, acting_user, note: str) -> SelectionRound:
    if not note.strip():
        raise HiringError(_("Say what must change in the plan."))
    return _move(round, "reject", user=acting_user, reason=_("Plan returned: %(note)s") % {"note": note},
                 step="approve_plan", approval_note=note)


@transaction.atomic
def round_publish(*, round, acting_user) -> SelectionRound:
    today = clock.today()
    if round.opens_on < today:
        raise HiringError(_("The plan opens applications on %(day)s, before today: revise the plan's dates (it goes back for approval).")
                          % {"day": _day(round.opens_on)})
    if round.reference_date is not None and round.reference_date < today:
        raise HiringError(_("The reference date for age (%(day)s) has passed: revise the plan.") % {"day": _day(round.reference_date)})
    return _move(round, "publish", user=acting_user, reason=_("Round announced"), step="publish")


@transaction.atomic
def round_revise(*, round, acting_user, reason: str) -> SelectionRound:
    """An approved plan not yet announced goes back to preparation (new dates, say); it needs approval again."""
    if not reason.strip():
        raise HiringError(_("Say what must change in the plan."))
    return _move(round, "revise", user=acting_user, reason=_("Plan reopened for revision: %(reason)s") % {"reason": reason}, step="publish")


# --- Applications ---------------------------------------------------------------------------

def _applicant_fields(data: dict, *, today) -> dict:
    """The online form's rules, the same the import applies (hiring.applicants); derives the
    birth date. Raises ValidationError naming every field at fault."""
    fields, errors = validate_applicant(data, today=today, phone_required=True)
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def application_submit(*, round, post: RoundPost, data: dict) -> Application:
    """An online application, without an account. The applicant keeps the returned code."""
    round = _lock_round(round)
    today = clock.today()
    if round.state != S.OPEN or not (round.opens_on <= today <= round.closes_on):
        raise HiringError(_("This round is not taking applications."))
    if post.round_id != round.pk:
        raise HiringError(_("Unknown post."))
    fields = _applicant_fields(data, today=today)
    if Application.objects.filter(round=round, id_number=fields["id_number"]).exists():
        # Anyone may type anyone's ID number into the public form: the refusal names no field
        # and reads the same whoever applied and however far they got (issue 7, section 4).
        raise ValidationError(
            _("This application cannot be accepted. If you have already applied in this round, check it with the "
              "application code you were given; for anything else, contact the school."),
            code="application_not_accepted",
        )
    application = Application(round=round, post=post, source=Application.Source.ONLINE, **fields)
    return save_audited(application, user=system_user(), reason=_("Applied online"))


# --- Screening ------------------------------------------------------------------------------

@transaction.atomic
def round_close_applications(*, round, acting_user) -> SelectionRound:
    if clock.today() <= round.closes_on:
        raise HiringError(_("Applications are open until the end of %(day)s.") % {"day": _day(round.closes_on)})
    round = _move(round, "close_applications", user=acting_user, reason=_("Applications closed"), step="close_applications")
    return _queue_screening(round, acting_user, _("Screening queued"))


def _queue_screening(round, acting_user, reason):
    from .screening import Job
    from .tasks import screen_round_task

    round.screening_status = Job.QUEUED
    round.screening_error = ""
    save_audited(round, user=acting_user, reason=reason)
    # After commit: a Celery worker must see the closed round; in-process it runs right away.
    transaction.on_commit(lambda: screen_round_task.delay(round.pk, acting_user.pk))
    return round


def screening_can_rerun(round) -> bool:
    """A failed job, or one queued or running for longer than any real run takes (a worker died)."""
    from .screening import Job

    if round.state != S.SCREENING:
        return False
    if round.screening_status == Job.FAILED:
        return True
    if round.screening_status in (Job.QUEUED, Job.RUNNING):
        last = round.history.order_by("-history_date").values_list("history_date", flat=True).first()
        stale = settings.HRFLOW["SCREENING_STALE_MINUTES"]
        return last is None or (clock.now() - last).total_seconds() > stale * 60
    return False


@transaction.atomic
def round_rerun_screening(*, round, acting_user) -> SelectionRound:
    """Run the screening again; it only screens applications still submitted, so it is idempotent."""
    round = _lock_round(round)
    if not screening_can_rerun(round):
        raise HiringError(_("The screening is running or finished; it can be run again only after a failure."))
    return _queue_screening(round, acting_user, _("Screening run again"))


@transaction.atomic
def finding_override(*, finding: Finding, reason: str, acting_user) -> Finding:
    """A soft finding (原则上) may be overridden with a written reason; the review must confirm it."""
    if not reason.strip():
        raise HiringError(_("An override needs a written reason."))
    finding = Finding.objects.select_for_update().select_related("application__round").get(pk=finding.pk)
    application = Application.objects.select_for_update().get(pk=finding.application_id)
    if finding.hard:
        raise HiringError(_("A hard rule cannot be overridden."))
    if application.state != A.FLAGGED or application.round.state != S.SCREENING:
        raise HiringError(_("Overrides are decided during the screening review."))
    finding.override_reason = reason
    finding.overridden_by = acting_user
    save_audited(finding, user=acting_user, reason=_("Soft finding overridden: %(reason)s") % {"reason": reason})
    if not application.findings.filter(hard=False, override_reason="").exists():
        application.clear_flags()
        save_audited(application, user=acting_user, reason=_("Eligible after override, subject to collective review"))
    return finding


@transaction.atomic
def application_exclude(*, application: Application, reason: str, acting_user) -> Application:
    if not reason.strip():
        raise HiringError(_("Say why the application is excluded."))
    application = Application.objects.select_for_update().select_related("round").get(pk=application.pk)
    if application.round.state != S.SCREENING or not can_proceed(application.exclude):
        raise HiringError(_("This application cannot be excluded now."))
    application.exclude()
    application.decision_reason = reason
    return save_audited(application, user=acting_user, reason=_("Excluded: %(reason)s") % {"reason": reason})


@transaction.atomic
def round_finish_screening(*, round, acting_user) -> SelectionRound:
    round = _lock_round(round)
    if round.screening_status != "done":  # screening.Job.DONE
        raise HiringError(_("The screening has not finished."))
    undecided = round.applications.filter(state__in=[A.SUBMITTED, A.FLAGGED]).count()
    if undecided:
        raise HiringError(_("%(n)d applications still have soft findings to decide.") % {"n": undecided})
    return _move(round, "finish_screening", user=acting_user, reason=_("Screening review finished"), step="review_screening")


# --- Assessment -----------------------------------------------------------------------------

@transaction.atomic
def rater_add(*, round, name: str, acting_user) -> Rater:
    if round.state != S.ASSESSING:
        raise HiringError(_("Raters are added during the assessment."))
    if not name.strip():
        raise HiringError(_("A rater needs a name."))
    if round.raters.filter(name=name.strip()).exists():
        raise HiringError(_("%(name)s is already a rater.") % {"name": name})
    return save_audited(Rater(round=round, name=name.strip()), user=acting_user, reason=_("Rater added"))


@transaction.atomic
def recusal_record(*, rater: Rater, application: Application, reason: str, acting_user) -> Recusal:
    """INST-RECUSAL (条例 art. 39): the rater's scores for this applicant are removed and barred."""
    if not reason.strip():
        raise HiringError(_("A recusal states the conflict (e.g. 近亲属)."))
    if rater.round_id != application.round_id or rater.round.state != S.ASSESSING:
        raise HiringError(_("Recusals are recorded during the assessment."))
    for score in Score.objects.filter(rater=rater, application=application):
        score._history_user, score._change_reason = acting_user, _("Rater recused")
        score.delete()
    return save_audited(Recusal(rater=rater, application=application, reason=reason), user=acting_user, reason=_("Rater recused: %(reason)s") % {"reason": reason})


@transaction.atomic
def scores_save(*, round, entries: list[tuple[int, int, str, object]], acting_user, reason: str) -> int:
    """Save (application id, rater id, component, value or None) in bulk. Returns rows written."""
    round = _lock_round(round)
    if round.state != S.ASSESSING:
        raise HiringError(_("Scores are entered during the assessment."))
    weights = {Score.Component.EXAM: round.exam_weight, Score.Component.INTERVIEW: round.interview_weight}
    eligible = set(round.applications.filter(state=A.ELIGIBLE).values_list("pk", flat=True))
    raters = set(round.raters.values_list("pk", flat=True))
    recused = set(Recusal.objects.filter(rater__round=round).values_list("rater_id", "application_id"))
    existing = {(s.application_id, s.rater_id, s.component): s for s in Score.objects.filter(application__round=round)}
    errors, new, changed, removed = [], [], [], []
    for application_id, rater_id, component, value in entries:
        key = (application_id, rater_id, component)
        if application_id not in eligible or rater_id not in raters or component not in weights:
            errors.append(_("Unknown score cell %(cell)s.") % {"cell": key})
            continue
        if value is None:
            if key in existing:
                removed.append(existing[key])
            continue
        if (rater_id, application_id) in recused:
            errors.append(_("A recused rater cannot score that applicant."))
            continue
        if not weights[component]:
            errors.append(_("The plan gives this component no weight."))
            continue
        if not 0 <= value <= 100:
            errors.append(_("Scores run from 0 to 100."))
            continue
        if key in existing:
            if existing[key].value != value:
                existing[key].value = value
                changed.append(existing[key])
        else:
            new.append(Score(application_id=application_id, rater_id=rater_id, component=component, value=value))
    if errors:
        raise HiringError(" ".join(sorted(set(errors))))
    bulk_create_with_history(new, Score, default_user=acting_user, default_change_reason=reason)
    bulk_update_with_history(changed, Score, ["value"], default_user=acting_user, default_change_reason=reason)
    for score in removed:
        score._history_user, score._change_reason = acting_user, reason
        score.delete()
    return len(new) + len(changed) + len(removed)


@transaction.atomic
def round_finish_assessment(*, round, acting_user) -> SelectionRound:
    """Rank every eligible application and call the best of each post to the examinations."""
    from .ranking import rank_round

    round = _lock_round(round)
    if round.state != S.ASSESSING:
        raise HiringError(_("The round is not in its assessment."))
    frame = rank_round(round)
    missing = frame[frame["missing"]]
    if len(missing):
        raise HiringError(_("%(n)d eligible applicants lack a score for a weighted component.") % {"n": len(missing)})
    applications = {a.pk: a for a in round.applications.filter(state=A.ELIGIBLE)}
    for row in frame.itertuples():
        application = applications[row.application_id]
        application.exam_score, application.interview_score = row.exam_score, row.interview_score
        application.total_score, application.rank = row.total_score, int(row.rank)
    bulk_update_with_history(
        list(applications.values()), Application, ["exam_score", "interview_score", "total_score", "rank"],
        default_user=acting_user, default_change_reason=_("Scores weighted and ranked"),
    )
    round = _move(round, "finish_assessment", user=acting_user, reason=_("Assessment finished"), step="assess")
    for post in round.posts.all():
        _call_next(post, acting_user, places=post.headcount)
    return round


def _open_places(post: RoundPost) -> int:
    taken = post.applications.filter(state__in=[A.EXAMINING, A.EXAMINED, A.PROPOSED, A.APPROVED, A.HIRED]).count()
    return max(0, post.headcount - taken)


def _call_next(post: RoundPost, user, places: int | None = None) -> list[Application]:
    """Call the best-ranked eligible applicants of `post` to the examinations, up to the open places."""
    places = _open_places(post) if places is None else places
    called = []
    for application in post.applications.select_for_update().filter(state=A.ELIGIBLE, rank__isnull=False).order_by("rank", "id")[:places]:
        application.call_for_examination()
        application.called_on = clock.today()
        save_audited(application, user=user, reason=_("Called to medical examination and background check (rank %(rank)d)") % {"rank": application.rank})
        called.append(application)
    return called


@transaction.atomic
def examination_record(*, application: Application, kind: str, passed: bool, place: str, held_on: date,
                       notes: str, refutes_attestation: bool, acting_user) -> Application:
    application = Application.objects.select_for_update().select_related("round", "post").get(pk=application.pk)
    if application.round.state != S.EXAMINING or application.state != A.EXAMINING:
        raise HiringError(_("This applicant is not in the examinations."))
    if refutes_attestation and (passed or kind != Examination.Kind.MEDICAL):
        raise HiringError(_("Only a failed medical examination can refute the health attestation."))
    called = application.called_on
    if held_on > clock.today():
        raise HiringError(_("The examination date %(day)s is in the future: record results once they are known.") % {"day": _day(held_on)})
    if called is not None and held_on < called:
        raise HiringError(_("The examination date %(day)s is before the applicant was called on %(called)s.")
                          % {"day": _day(held_on), "called": _day(called)})
    exam = Examination.objects.filter(application=application, kind=kind).first() or Examination(application=application, kind=kind)
    exam.passed, exam.place, exam.held_on, exam.notes, exam.refutes_attestation = passed, place, held_on, notes, refutes_attestation
    verdict = _("passed") if passed else _("failed")
    save_audited(exam, user=acting_user, reason=_("%(kind)s: %(verdict)s") % {"kind": exam.get_kind_display(), "verdict": verdict})
    results = dict(application.examinations.values_list("kind", "passed"))
    if not passed:
        application.fail_examination()
        save_audited(application, user=acting_user, reason=_("Failed the %(kind)s; the next in rank moves up") % {"kind": exam.get_kind_display()})
        _call_next(application.post, acting_user)
    elif all(results.get(k) for k in Examination.Kind.values):
        application.pass_examination()
        save_audited(application, user=acting_user, reason=_("Passed medical examination and background check"))
    return application


@transaction.atomic
def round_finish_examination(*, round, acting_user) -> SelectionRound:
    pending = round.applications.filter(state=A.EXAMINING).count()
    if pending:
        raise HiringError(_("%(n)d applicants are still in the examinations.") % {"n": pending})
    proposed = 0
    for application in round.applications.select_for_update().filter(state=A.EXAMINED):
        application.propose()
        save_audited(application, user=acting_user, reason=_("Proposed to the collective review"))
        proposed += 1
    if not proposed:
        raise HiringError(_("Nobody passed the examinations: end the round or wait for more candidates."))
    return _move(round, "finish_examination", user=acting_user, reason=_("Examinations finished"), step="examine")


# --- Collective review ----------------------------------------------------------------------

def review_agenda(round) -> list[dict]:
    """What the meeting votes on: each proposed hire, and each soft-rule override behind it."""
    items = []
    for application in round.applications.filter(state=A.PROPOSED).select_related("post").order_by("post", "rank"):
        items.append({"key": f"hire-{application.pk}", "kind": ReviewItem.Kind.HIRE, "application": application, "finding": None})
        for finding in application.findings.filter(hard=False).exclude(override_reason="").order_by("rule"):
            items.append({"key": f"override-{finding.pk}", "kind": ReviewItem.Kind.OVERRIDE, "application": application, "finding": finding})
    return items


@transaction.atomic
def review_record(*, round, held_at: datetime, place: str, minutes: str, members: list[dict],
                  votes: dict[str, tuple[int, int, int]], acting_user) -> CollectiveReview:
    """Record the meeting. A motion passes if the quorum is present and more than the set share of
    all members vote for it; a hire stands only if its overrides pass too."""
    round = _lock_round(round)
    if round.state != S.REVIEWING:
        raise HiringError(_("The round is not awaiting a collective review."))
    if not members:
        raise HiringError(_("List the members of the meeting."))
    if not minutes.strip():
        raise HiringError(_("The minutes are part of the record."))
    minimum = settings.HRFLOW["REVIEW_MIN_MEMBERS"]
    if len(members) < minimum:
        raise HiringError(_("A collective review has at least %(n)d members.") % {"n": minimum})
    held_on = timezone.localtime(held_at).date() if timezone.is_aware(held_at) else held_at.date()
    if held_on > clock.today():
        raise HiringError(_("The meeting date %(day)s is in the future: record the review once it has met.") % {"day": _day(held_on)})
    last_exam = Examination.objects.filter(application__round=round, application__state=A.PROPOSED).aggregate(last=Max("held_on"))["last"]
    if last_exam is not None and held_on < last_exam:
        raise HiringError(_("The meeting date %(day)s is before the last examination on %(exam)s.") % {"day": _day(held_on), "exam": _day(last_exam)})
    total = len(members)
    present = sum(1 for m in members if m["attended"])
    voters = sum(1 for m in members if m["attended"] and not m["recused"])
    quorum_met = review_rules.quorum_met(present=present, total=total, share=settings.HRFLOW["REVIEW_QUORUM"])
    agenda = review_agenda(round)
    for item in agenda:
        cast = votes.get(item["key"])
        if cast is None:
            raise HiringError(_("Every motion needs its votes."))
        if sum(cast) > voters:
            raise HiringError(_("More votes than members present and not recused."))
    review = save_audited(
        CollectiveReview(round=round, held_at=held_at, place=place, minutes=minutes, quorum_met=quorum_met),
        user=acting_user, reason=_("Collective review recorded"),
    )
    for member in members:
        save_audited(ReviewMember(review=review, **member), user=acting_user, reason=_("Collective review recorded"))
    passed = {}
    for item in agenda:
        votes_for, against, abstain = votes[item["key"]]
        ok = quorum_met and review_rules.motion_passes(votes_for=votes_for, total=total, share=settings.HRFLOW["REVIEW_PASS_SHARE"])
        passed[item["key"]] = ok
        save_audited(
            ReviewItem(review=review, kind=item["kind"], application=item["application"], finding=item["finding"],
                       votes_for=votes_for, votes_against=against, votes_abstain=abstain, passed=ok),
            user=acting_user, reason=_("Collective review recorded"),
        )
        if item["finding"] is not None:
            item["finding"].confirmed = ok
            save_audited(item["finding"], user=acting_user, reason=_("Override confirmed") if ok else _("Override not confirmed"))
    approved = 0
    for application in {item["application"].pk: item["application"] for item in agenda}.values():
        keys = [i["key"] for i in agenda if i["application"].pk == application.pk]
        if all(passed[k] for k in keys):
            application.approve()
            save_audited(application, user=acting_user, reason=_("Hire approved by collective review"))
            approved += 1
        else:
            application.not_select()
            save_audited(application, user=acting_user, reason=_("Not approved by collective review"))
    if approved:
        round.pass_review()
        save_audited(round, user=acting_user, reason=_("Collective review passed %(n)d hires") % {"n": approved})
    else:
        round.propose_next()
        save_audited(round, user=acting_user, reason=_("Collective review approved nobody; next in rank called"))
        for post in round.posts.all():
            _call_next(post, acting_user)
    steps.complete_step(round, "collective_review", acting_user)
    return review


# --- Publicity ------------------------------------------------------------------------------

def calendar_overrides() -> dict[date, bool]:
    return dict(CalendarDay.objects.values_list("day", "is_working"))


@transaction.atomic
def publicity_start(*, round, starts_on: date, acting_user) -> Publicity:
    working_days = settings.HRFLOW["PUBLICITY_WORKING_DAYS"]
    # The 公示 runs from the day it is published at the earliest: a backdated start would shorten
    # the time the public has to object, and let the hire follow within the minute.
    if starts_on < clock.today():
        raise HiringError(_("The publicity cannot start before today (%(day)s), the day it is published.") % {"day": _day(clock.today())})
    try:
        ends_on = publicity_ends(starts_on, working_days, overrides=calendar_overrides())
    except PolicyInputError as error:
        raise HiringError(policy_message(error)) from None
    round = _move(round, "start_publicity", user=acting_user, reason=_("Proposed hires published"), step="publish_publicity")
    return save_audited(
        Publicity(round=round, starts_on=starts_on, working_days=working_days, ends_on=ends_on),
        user=acting_user, reason=_("Publicity from %(start)s to %(end)s") % {"start": _day(starts_on), "end": _day(ends_on)},
    )


def current_publicity(round) -> Publicity | None:
    return round.publicities.order_by("-starts_on", "-id").first()


@transaction.atomic
def objection_file(*, publicity: Publicity, application: Application, filed_by: str, contact: str, text: str) -> Objection:
    today = clock.today()
    if not (publicity.starts_on <= today <= publicity.ends_on) or publicity.round.state != S.PUBLICITY:
        raise HiringError(_("Objections are taken during the publicity period only."))
    if application.round_id != publicity.round_id or application.state != A.APPROVED:
        raise HiringError(_("That person is not on the published list."))
    if not (filed_by.strip() and contact.strip() and text.strip()):
        raise HiringError(_("Give your name, a way to reach you, and the objection."))
    return save_audited(
        Objection(publicity=publicity, application=application, filed_by=filed_by, contact=contact, text=text),
        user=system_user(), reason=_("Objection filed online"),
    )


@transaction.atomic
def objection_resolve(*, objection: Objection, upheld: bool, resolution: str, acting_user) -> Objection:
    if not resolution.strip():
        raise HiringError(_("A resolution states its reason."))
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.state != Objection.State.OPEN:
        raise HiringError(_("This objection is already resolved."))
    objection.resolution = resolution
    if upheld:
        objection.uphold()
        application = Application.objects.select_for_update().get(pk=objection.application_id)
        application.withdraw()
        application.decision_reason = resolution
        save_audited(application, user=acting_user, reason=_("Withdrawn: objection upheld: %(reason)s") % {"reason": resolution})
    else:
        objection.dismiss()
    return save_audited(objection, user=acting_user, reason=(_("Objection upheld: %(reason)s") if upheld else _("Objection dismissed: %(reason)s")) % {"reason": resolution})


@transaction.atomic
def round_finish_publicity(*, round, acting_user, propose_next: bool = False) -> SelectionRound:
    publicity = current_publicity(round)
    if publicity is None or clock.today() <= publicity.ends_on:
        raise HiringError(_("The publicity runs until the end of %(day)s.") % {"day": publicity.ends_on if publicity else "—"})
    if publicity.objections.filter(state=Objection.State.OPEN).exists():
        raise HiringError(_("Resolve every objection first."))
    if propose_next:
        round = _move(round, "propose_next", user=acting_user, reason=_("Next in rank called for withdrawn places"), step="finish_publicity")
        called = [a for post in round.posts.all() for a in _call_next(post, acting_user)]
        if not called:
            raise HiringError(_("No further eligible applicant is ranked for the open places."))
        return round
    return _move(round, "finish_publicity", user=acting_user, reason=_("Publicity ended without open objections"), step="finish_publicity")


# --- Hire -----------------------------------------------------------------------------------

def overlapping(application: Application):
    """The same person elsewhere: live applications in other rounds, and current employment."""
    others = Application.objects.filter(id_number=application.id_number, state__in=ACTIVE_STATES).exclude(round=application.round_id)
    employed = Staff.objects.filter(person__id_number=application.id_number).exclude(status=Staff.Status.LEFT)
    return others.select_related("round__school__unit"), employed.select_related("school__unit")


class OverlapNotAcknowledged(HiringError):
    pass


@transaction.atomic
def application_hire(*, application: Application, acting_user, acknowledge_overlap: bool = False,
                     link: str | None = None, reason: str = "") -> Staff:
    """Hire an approved applicant: Staff record, the school's attestation and a draft contract.
    Never beyond the post's headcount.

    The post row is locked first: two officers hiring at once queue on it, and the second
    counts the first one's hire. A person already on record keeps their record as it is; if
    they work at another school now, the officer chooses a transfer (or, where the deployment
    allows part-time work, a second employment) with a reason.
    """
    post = RoundPost.objects.select_for_update().get(pk=application.post_id)
    application = Application.objects.select_for_update().select_related("round__school__unit").get(pk=application.pk)
    if application.round.state != S.HIRING:
        raise HiringError(_("The round is not hiring."))
    if application.state != A.APPROVED:
        raise HiringError(_("Only an applicant approved by the collective review and past the publicity can be hired."))
    publicity = current_publicity(application.round)
    if publicity is None or clock.today() <= publicity.ends_on:
        raise HiringError(_("The hire follows the end of the publicity."))
    if post.applications.filter(state=A.HIRED).count() >= post.headcount:
        raise HiringError(_("Every place of this post is filled."))
    others, employed = overlapping(application)
    school = application.round.school
    if employed.filter(school=school).exists():
        raise HiringError(_("This person already works at this school."))
    if others.exists() and not acknowledge_overlap:
        raise OverlapNotAcknowledged(_("This person is also in another round or employed: confirm you have seen it."))
    hire_reason = _("Hired through %(round)s") % {"round": application.round.title}
    person = Person.objects.select_for_update().filter(id_number=application.id_number).first()
    if person is None:
        person = Person(id_number=application.id_number, name=application.name, phone=application.phone,
                        education=application.education, cadre=application.cadre)
        save_audited(person, user=acting_user, reason=hire_reason)
    elif employed.exists():
        if link is None:
            raise OverlapNotAcknowledged(_("This person works at another school now: choose a transfer, with a reason."))
        if not reason.strip():
            raise HiringError(_("Give the reason for the transfer or the second employment."))
        try:
            employment_link(person=person, school=school, mode=link, acting_user=acting_user, reason=reason)
        except ValidationError as error:
            raise HiringError(" ".join(m for messages_ in error.message_dict.values() for m in messages_)) from None
    staff = save_audited(
        # The post's title is not a 职称或技能等级: the title stays empty until HR records one.
        Staff(person=person, school=school, post_category=post.category,
              employment_type=post.employment_type, hired_on=clock.today()),
        user=acting_user, reason=hire_reason,
    )
    attestation_record(staff=staff, data={f: getattr(application, f) for f in ATTESTATION_FIELDS},
                       acting_user=acting_user, reason=_("Declared in the application to %(round)s") % {"round": application.round.title})
    contract_create_draft(staff=staff, starts_on=clock.today(), term_months=post.term_months, acting_user=acting_user, reason=hire_reason,
                          post=post.title)
    application.hire()
    application.staff = staff
    save_audited(application, user=acting_user, reason=hire_reason)
    return staff


def unfilled_places(round) -> int:
    # Only the hires are counted (the (round, state) index): a round may hold 50,000 applications.
    hired = dict(Application.objects.filter(round=round, state=A.HIRED).order_by().values_list("post").annotate(n=Count("id")))
    return sum(max(0, p.headcount - hired.get(p.pk, 0)) for p in round.posts.all())


def _conclude(round, acting_user, reason):
    """Everyone still in the running when a round finishes is not selected, with the reason."""
    remaining = list(round.applications.select_for_update().filter(state__in=ACTIVE_STATES))
    for application in remaining:
        application.not_select()
    bulk_update_with_history(remaining, Application, ["state"], default_user=acting_user, default_change_reason=reason)


@transaction.atomic
def round_close(*, round, acting_user) -> SelectionRound:
    if unfilled_places(round):
        raise HiringError(_("Some places are unfilled: hire, or end the round with a reason."))
    round = _move(round, "close", user=acting_user, reason=_("Every post filled; round closed"), step="hire")
    _conclude(round, acting_user, _("Round closed with every post filled"))
    return round


@transaction.atomic
def round_end(*, round, reason: str, acting_user) -> SelectionRound:
    if not reason.strip():
        raise HiringError(_("Say why the round ends."))
    round = _lock_round(round)
    if not can_proceed(round.end):
        raise HiringError(_("This round has already finished."))
    round.end()
    round.end_reason = reason
    save_audited(round, user=acting_user, reason=_("Round ended: %(reason)s") % {"reason": reason})
    _conclude(round, acting_user, _("Round ended: %(reason)s") % {"reason": reason})
    if round.process_id:
        steps.cancel_process(round)
    return round
