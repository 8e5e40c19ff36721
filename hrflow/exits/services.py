"""Every business action of an exit case: one function each, atomic, audited, the law cited on refusal.

Nothing touches the employment before the leaders approve: a case rejected or withdrawn leaves the
staff record, the contract and their history exactly as they were. On approval the employment is
marked as exiting (the notice period); on closing it has left, the contract has ended and the login
is disabled unless the person works at another school. Steps of the exit process complete their
viewflow task in the same transaction (hrflow.core.flowsteps).
"""

import logging
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hrflow.contracts.models import Contract
from hrflow.contracts.services import school_users
from hrflow.core import clock, flowsteps
from hrflow.core.history import save_audited, system_user
from hrflow.notifications.services import notify
from hrflow.org.models import Role
from hrflow.people.models import EmploymentType, Staff
from hrflow.policy import PolicyInputError, severance_pay
from hrflow.policy import exits as policy
from hrflow.policy import review as review_rules

from .models import ExitCase, Ground, HandoverItem, Initiator, Protection

log = logging.getLogger(__name__)
S = ExitCase.State
CENT = Decimal("0.01")
MAX_MONEY = Decimal("99999999.99")
HANDOVER_DEFAULTS = (HandoverItem.Kind.KEYS, HandoverItem.Kind.EQUIPMENT, HandoverItem.Kind.ACCOUNTS,
                     HandoverItem.Kind.DORMITORY, HandoverItem.Kind.DOCUMENTS)
# The grounds HR opens by hand; a term not renewed and a veto open their case from their own workflow.
HR_GROUNDS = (Ground.RESIGNATION, Ground.APPRAISAL, Ground.NO_FAULT, Ground.FOR_CAUSE, Ground.RETIREMENT, Ground.MUTUAL)


class ExitError(Exception):
    """A refused action, with a message for the user (the law cited where one applies)."""


def _day(value) -> str:
    return date_format(value, "DATE_FORMAT")


def _settings():
    return settings.HRFLOW["EXIT"]


def flow_class():
    from workflows.flows import ExitFlow

    return ExitFlow


def _complete(case, node, user):
    flowsteps.complete_step(flow_class(), case.process_id, node, user,
                            busy_message=_("Someone else is acting on this exit case; try again in a moment."))


def _lock(case) -> ExitCase:
    return (ExitCase.objects.select_for_update(of=("self",))
            .select_related("staff__person__user", "staff__school__unit", "contract", "opened_by").get(pk=case.pk))


def _lock_staff(staff) -> Staff:
    return Staff.objects.select_for_update(of=("self",)).select_related("person__user", "school__unit").get(pk=staff.pk)


def finding_text(finding) -> str:
    params = {k: _day(v) if isinstance(v, date) else _(v) if k in ("what", "article") else v for k, v in finding.params.items()}
    return _(finding.template) % params if params else _(finding.template)


def _not_own(case_or_staff, acting_user):
    """Nobody handles their own exit (INST-RECUSAL, 条例 art. 39): the person states their case and may
    withdraw their own resignation, nothing more."""
    staff = getattr(case_or_staff, "staff", case_or_staff)
    if staff.person.user_id is not None and staff.person.user_id == acting_user.pk:
        raise ExitError(_("You cannot handle your own exit case (回避, 事业单位人事管理条例 art. 39)."))


def _policy_error(error: PolicyInputError) -> ExitError:
    return ExitError(_(error.template) % error.params if error.params else _(error.template))


# --- Who hears about it ------------------------------------------------------------------------

def _school_users(case, role):
    return school_users([case.staff.school.unit_id], role)


def _notify(recipients, key, subject, case, body=""):
    """`subject` is a callable: the text is written in the site's language, like the audit trail."""
    with translation.override(settings.LANGUAGE_CODE):
        notify(recipients=recipients, event_key=f"exits.{key}:{case.pk}:{case.history.count()}", subject=subject(),
               body=str(body), url=reverse("exits:case_detail", args=[case.pk]))


def _notify_person(case, subject, body=""):
    user = case.staff.person.user
    if user is not None:
        with translation.override(settings.LANGUAGE_CODE):
            notify(recipients=[user], event_key=f"exits.mine:{case.pk}:{case.history.count()}", subject=subject(), body=str(body),
                   url=reverse("exits:mine"))


def _name(case) -> str:
    return case.staff.person.name


# --- Protections (劳动合同法 art. 42) ---------------------------------------------------------------

@transaction.atomic
def protection_record(*, staff: Staff, data: dict, acting_user, protection: Protection | None = None) -> Protection:
    """Record (or correct, or end) a protected status of a staff member. The audit reason names no
    health or family data (the status and the evidence are masked for those who may not see them)."""
    staff = _lock_staff(staff)
    starts_on, ends_on = data["starts_on"], data.get("ends_on")
    if ends_on is not None and ends_on < starts_on:
        raise ExitError(_("A status cannot end before it starts."))
    if starts_on > clock.today() + timedelta(days=366):
        raise ExitError(_("The start lies more than a year ahead: record the status when it is known."))
    if starts_on < staff.person.birth_date or (ends_on is not None and ends_on > starts_on + timedelta(days=366 * 30)):
        raise ExitError(_("The dates are not possible for this person: check the start and the end."))
    if data["kind"] in (Protection.Kind.PREGNANCY, Protection.Kind.MATERNITY, Protection.Kind.NURSING) and staff.person.sex != "F":
        raise ExitError(_("This status applies to women only (劳动合同法 art. 42(4))."))
    overlapping = Protection.objects.filter(staff=staff, kind=data["kind"]).exclude(pk=getattr(protection, "pk", None)).exclude(
        ends_on__lt=starts_on)
    if ends_on is not None:
        overlapping = overlapping.exclude(starts_on__gt=ends_on)
    if overlapping.exists():
        raise ExitError(_("The same status is already recorded for part of this period: correct that record instead."))
    new = protection is None
    protection = protection or Protection(staff=staff)
    ended = not new and protection.ends_on is None and ends_on is not None
    for name, value in data.items():
        setattr(protection, name, value)
    if new:
        reason = _("Protected status recorded (劳动合同法 art. 42)")
    elif ended:
        reason = _("Protected status ended on %(day)s") % {"day": _day(ends_on)}
    else:
        reason = _("Protected status corrected")
    return save_audited(protection, user=acting_user, reason=reason)


def _protections(staff) -> list[policy.Protection]:
    return [policy.Protection(kind, start, end) for kind, start, end in
            Protection.objects.filter(staff=staff).values_list("kind", "starts_on", "ends_on")]


def guards(case: ExitCase, legal_ground: str, as_of: date) -> list[str]:
    """The art. 42 (and 45) protections that block ending this employment on `legal_ground`, in words."""
    person = case.staff.person
    try:
        findings = policy.dismissal_guards(legal_ground=legal_ground, as_of=as_of, protections=_protections(case.staff),
                                           service_start=_service_start(case), birth_date=person.birth_date, sex=person.sex,
                                           cadre=person.cadre)
    except PolicyInputError as error:
        raise _policy_error(error) from None
    return list(dict.fromkeys(finding_text(f) for f in findings))  # two records of one status: said once


def _service_start(case) -> date:
    """Continuous service with this school: the employment's first day (hired_on)."""
    return case.staff.hired_on


# --- Opening a case ----------------------------------------------------------------------------

def _current_without_case(staff) -> bool:
    """A current employment (active or suspended) without an open exit case: one a seam may open a case for."""
    return staff.status in (Staff.Status.ACTIVE, Staff.Status.SUSPENDED) and not ExitCase.objects.filter(staff=staff, state__in=ExitCase.OPEN).exists()


def _running_contract(staff):
    return Contract.objects.select_for_update().filter(staff=staff, state__in=Contract.RUNNING).order_by("-starts_on").first()


def _check_ground(staff, ground, initiated_by, notice_given_on, requested_last_day):
    today = clock.today()
    if requested_last_day is not None:
        if requested_last_day < staff.hired_on:
            raise ExitError(_("The last day cannot be before the employment began on %(day)s.") % {"day": _day(staff.hired_on)})
        if notice_given_on is not None and requested_last_day < notice_given_on:
            raise ExitError(_("The last day asked for cannot be before the notice was received."))
        if requested_last_day < today:
            raise ExitError(_("The last day %(day)s has passed: an exit takes effect from a day still to come.") % {"day": _day(requested_last_day)})
        if requested_last_day > today + timedelta(days=366 * 2):
            raise ExitError(_("The last day lies more than two years ahead."))
    refusal = policy.ground_refusal(ground_code=ground, employment_type=staff.employment_type)
    if refusal:
        raise ExitError(_(refusal))
    if ground == Ground.APPRAISAL:
        from hrflow.appraisal.models import Appraisal, Cycle, GradeChoices

        # INST-EXIT-GRADE by hand: 不合格 in the latest annual appraisal of this employment, and another post
        # refused (the evidence says so); two years running opens its review by itself.
        latest = (Appraisal.objects.filter(staff=staff, cycle__kind=Cycle.Kind.ANNUAL, cycle__state__in=(Cycle.State.PUBLISHED, Cycle.State.CLOSED))
                  .order_by("-cycle__period_end").values_list("grade", flat=True).first())
        if latest != GradeChoices.INCOMPETENT:
            raise ExitError(_("The latest published annual appraisal of this employment is not 不合格 (INST-EXIT-GRADE, 条例 art. 16)."))
    if ground == Ground.RESIGNATION:
        if notice_given_on is None:
            raise ExitError(_("Give the day the written resignation was received."))
        if notice_given_on > today:
            raise ExitError(_("The resignation cannot be received on %(day)s, a day still to come.") % {"day": _day(notice_given_on)})
        if notice_given_on < staff.hired_on:
            raise ExitError(_("The resignation cannot be received before the employment began on %(day)s.") % {"day": _day(staff.hired_on)})
    if ground == Ground.RETIREMENT:
        if requested_last_day is None:
            raise ExitError(_("Give the last day of employment before the retirement."))
        person = staff.person
        for finding in policy.retirement_findings(last_day=requested_last_day, birth_date=person.birth_date, sex=person.sex, cadre=person.cadre):
            raise ExitError(finding_text(finding))
    if ground == Ground.MUTUAL and initiated_by not in (Initiator.PERSON, Initiator.SCHOOL):
        raise ExitError(_("Say who proposed the agreement."))


@transaction.atomic
def case_open(*, staff: Staff, ground: str, evidence: str, acting_user, initiated_by: str | None = None,
              notice_given_on: date | None = None, requested_last_day: date | None = None) -> ExitCase:
    """Open an exit case and start its process: a ground the school initiates goes to the person's
    statement (陈述申辩), one the person initiates straight to the leaders' decision; a term not renewed
    arrives decided (its renewal decision) and goes to the notice and handover."""
    if ground not in Ground.values:
        raise ExitError(_("Choose the ground of the exit."))
    evidence = (evidence or "").strip()
    if not evidence:
        raise ExitError(_("State the grounds and the evidence."))
    staff = _lock_staff(staff)
    _not_own(staff, acting_user)
    if staff.status not in (Staff.Status.ACTIVE, Staff.Status.SUSPENDED):
        raise ExitError(_("This employment is “%(status)s”: an exit case is opened for a current employment.") % {
            "status": staff.get_status_display()})
    if ExitCase.objects.filter(staff=staff, state__in=ExitCase.OPEN).exists():
        raise ExitError(_("An exit case of this employment is already open."))
    if ground not in HR_GROUNDS:
        raise ExitError(_("A case on this ground opens from its own workflow (the renewal, the veto)."))
    if ground != Ground.MUTUAL:
        initiated_by = Initiator.SCHOOL if policy.ground(ground).school_initiated else Initiator.PERSON
    _check_ground(staff, ground, initiated_by, notice_given_on, requested_last_day)
    contract = _running_contract(staff)
    today = clock.today()
    case = ExitCase(staff=staff, contract=contract, ground=ground, initiated_by=initiated_by, evidence=evidence, notice_given_on=notice_given_on,
                    requested_last_day=requested_last_day, opened_by=acting_user, opened_on=today,
                    state=S.HEARING if _needs_hearing(ground, initiated_by) else S.DECIDING)
    if case.state == S.HEARING:
        case.statement_due = today + timedelta(days=_settings()["STATEMENT_DAYS"])
    try:
        with transaction.atomic():
            save_audited(case, user=acting_user, reason=_opened_text(case))
    except IntegrityError:
        raise ExitError(_("An exit case of this employment is already open.")) from None
    case.process = flow_class().start.run(case=case)
    save_audited(case, user=acting_user, reason=_("Exit process started"))
    if case.state == S.HEARING:
        _notify_person(case, lambda: _("An exit case concerns you: you may state your case by %(day)s") % {"day": _day(case.statement_due)},
                       body=case.evidence)
    else:
        _notify_person(case, lambda: _("Your exit case is open: %(ground)s") % {"ground": case.get_ground_display()})
        _notify(_school_users(case, Role.SCHOOL_LEADER), "decide", lambda: _("An exit awaits your decision: %(person)s") % {"person": _name(case)}, case)
    return case


def _needs_hearing(ground, initiated_by) -> bool:
    return policy.ground(ground).school_initiated and not (ground == Ground.MUTUAL and initiated_by == Initiator.PERSON)


def _opened_text(case) -> str:
    text = _("Exit case opened: %(ground)s (%(basis)s). %(evidence)s") % {
        "ground": case.get_ground_display(), "basis": _(policy.ground(case.ground).basis), "evidence": case.evidence}
    return text[:4000]


@transaction.atomic
def case_open_not_renewed(*, renewal_case, acting_user) -> ExitCase | None:
    """The seam of hrflow.contracts: the leaders approved not renewing a contract. The case arrives
    decided by that approval and goes to the notice and handover; the term ends on its last day."""
    contract = renewal_case.contract
    staff = _lock_staff(contract.staff)
    if not _current_without_case(staff):
        return None
    evidence = _("The leaders approved not renewing the contract ending on %(day)s: %(reason)s") % {
        "day": _day(contract.ends_on), "reason": renewal_case.decision_reason}
    case = ExitCase(staff=staff, contract=contract, ground=Ground.NOT_RENEWED, legal_ground=Ground.NOT_RENEWED,
                    initiated_by=Initiator.SCHOOL, evidence=evidence, renewal_case=renewal_case, opened_by=acting_user,
                    opened_on=clock.today(), decided_by=renewal_case.decided_by, decided_on=clock.today(),
                    decision_reason=renewal_case.decision_reason, notice_days=0, last_day=contract.ends_on, state=S.NOTICE)
    save_audited(case, user=acting_user, reason=_opened_text(case))
    case.process = flow_class().start.run(case=case)
    save_audited(case, user=acting_user, reason=_("Decided by the renewal decision: the employment ends with the term on %(day)s") % {
        "day": _day(contract.ends_on)})
    _begin_exit(case, acting_user)
    _notify_person(case, lambda: _("Your contract is not renewed: it ends on %(day)s") % {"day": _day(contract.ends_on)})
    return case


@transaction.atomic
def case_open_review(*, appraisal, rule: str, reason: str, acting_user) -> ExitCase | None:
    """The seam of hrflow.appraisal: a final veto (VETO-EXIT) or 不合格 two years running
    (INST-EXIT-GRADE) opens an exit review of the appraised person's employment."""
    staff = _lock_staff(appraisal.staff)
    if not _current_without_case(staff):
        return None
    ground = Ground.VETO if rule == "VETO-EXIT" else Ground.APPRAISAL
    if ground == Ground.APPRAISAL and staff.employment_type != EmploymentType.ESTABLISHMENT:
        ground = Ground.NO_FAULT  # 劳动合同法 art. 40(2) is the 劳动合同's counterpart of 条例 art. 16
    evidence = _("%(reason)s (appraisal: %(cycle)s)") % {"reason": reason, "cycle": appraisal.cycle.name}
    contract = _running_contract(staff)
    # Opened by the rule, not by a person: whoever made the veto final may still decide the exit.
    case = ExitCase(staff=staff, contract=contract, ground=ground, initiated_by=Initiator.SCHOOL, evidence=evidence,
                    source_rule=rule, appraisal=appraisal, opened_by=system_user(), opened_on=clock.today(), state=S.HEARING,
                    statement_due=clock.today() + timedelta(days=_settings()["STATEMENT_DAYS"]))
    save_audited(case, user=acting_user, reason=_opened_text(case))
    case.process = flow_class().start.run(case=case)
    save_audited(case, user=acting_user, reason=_("Exit process started"))
    _notify_person(case, lambda: _("An exit review concerns you: you may state your case by %(day)s") % {"day": _day(case.statement_due)},
                   body=case.evidence)
    _notify(_school_users(case, Role.HR_OFFICER), "review_opened", lambda: _("An exit review was opened: %(person)s") % {"person": _name(case)}, case)
    return case


# --- The hearing (陈述申辩) -----------------------------------------------------------------------

@transaction.atomic
def statement_submit(*, case: ExitCase, text: str, acting_user, agrees: bool | None = None, on_behalf: bool = False) -> ExitCase:
    """The person states their case (or HR records the written statement they handed in), until the
    hearing closes; a later statement replaces an earlier one, whose words stay in the history."""
    case = _lock(case)
    if case.state != S.HEARING:
        raise ExitError(_("The hearing of this case is closed."))
    text = (text or "").strip()
    if not text:
        raise ExitError(_("Write the statement."))
    if on_behalf:
        _not_own(case, acting_user)
        if case.statement_by_person:
            raise ExitError(_("The person has stated their case here themselves: HR cannot replace their words."))
    case.statement, case.statement_at, case.statement_by_person = text, timezone.now(), not on_behalf
    if case.ground == Ground.MUTUAL:
        if agrees is None:
            raise ExitError(_("Say whether the person agrees to end the employment."))
        case.person_agrees = agrees
    who = _("recorded by HR from the written statement") if on_behalf else _("made by the person")
    save_audited(case, user=acting_user, reason=_("Statement (陈述申辩) %(who)s: %(text)s") % {"who": who, "text": text})
    if on_behalf:
        _notify_person(case, lambda: _("HR recorded your written statement on your exit case"))
    else:
        _notify(_school_users(case, Role.HR_OFFICER), "statement", lambda: _("%(person)s stated their case") % {"person": _name(case)}, case)
    return case


@transaction.atomic
def hearing_close(*, case: ExitCase, note: str, acting_user) -> ExitCase:
    """HR closes the hearing once the person has stated their case or the deadline has passed, and
    sends the case to the collective review."""
    case = _lock(case)
    if case.state != S.HEARING:
        raise ExitError(_("The hearing of this case is not open."))
    _not_own(case, acting_user)
    if not case.statement and clock.today() <= case.statement_due:
        raise ExitError(_("The person may state their case until %(day)s: close the hearing after that day, or once they have.") % {
            "day": _day(case.statement_due)})
    if case.ground == Ground.MUTUAL and case.person_agrees is not True:
        raise ExitError(_("A mutual agreement needs the person's consent (劳动合同法 art. 36); without it, withdraw the case."))
    case.hearing_note, case.hearing_closed_on, case.hearing_closed_at = (note or "").strip(), clock.today(), timezone.now()
    case.close_hearing()
    heard = _("with the person's statement") if case.statement else _("the person made no statement by %(day)s") % {"day": _day(case.statement_due)}
    save_audited(case, user=acting_user, reason=_("Hearing closed, %(heard)s. %(note)s") % {"heard": heard, "note": case.hearing_note})
    _complete(case, "hearing", acting_user)
    _notify(_school_users(case, Role.SCHOOL_LEADER), "review", lambda: _("An exit awaits the collective review: %(person)s") % {"person": _name(case)}, case)
    return case


# --- The collective review (集体研究) ---------------------------------------------------------------

@transaction.atomic
def review_record(*, case: ExitCase, held_at: datetime, place: str, members: str, total: int, present: int,
                  votes_for: int, votes_against: int, votes_abstain: int, minutes: str, acting_user) -> ExitCase:
    """The meeting on the exit. The motion passes if the quorum is present and more than the set share
    of all members vote for it (the settings of the hiring review); a motion that fails rejects the case."""
    case = _lock(case)
    if case.state != S.REVIEW:
        raise ExitError(_("This case is not awaiting a collective review."))
    _not_own(case, acting_user)
    if not (place or "").strip() or not (minutes or "").strip() or not (members or "").strip():
        raise ExitError(_("The place, the members and the minutes are part of the record."))
    minimum = settings.HRFLOW["REVIEW_MIN_MEMBERS"]
    if total < minimum:
        raise ExitError(_("A collective review has at least %(n)d members.") % {"n": minimum})
    if present > total:
        raise ExitError(_("More members present than members."))
    if votes_for + votes_against + votes_abstain > present:
        raise ExitError(_("More votes than members present."))
    held_on = timezone.localtime(held_at).date() if timezone.is_aware(held_at) else held_at.date()
    if held_on > clock.today():
        raise ExitError(_("The meeting date %(day)s is in the future: record the review once it has met.") % {"day": _day(held_on)})
    if timezone.is_aware(held_at) and held_at > timezone.now():
        raise ExitError(_("The meeting time %(time)s has not come yet: record the review once it has met.") % {
            "time": date_format(timezone.localtime(held_at), "DATETIME_FORMAT")})
    # The form gives minutes: a meeting in the minute the hearing closed counts as after it.
    closed_at = case.hearing_closed_at.replace(second=0, microsecond=0) if case.hearing_closed_at else None
    if closed_at is not None and timezone.is_aware(held_at) and timezone.localtime(closed_at).date() == held_on and held_at < closed_at:
        raise ExitError(_("The meeting began before the hearing closed at %(time)s: the review hears the person's statement.") % {
            "time": date_format(timezone.localtime(closed_at), "DATETIME_FORMAT")})
    names = [n for n in re.split(r"[、,，;；\s]+", members.strip()) if n]
    if len(names) != total:
        raise ExitError(_("List each of the %(n)d members by name (%(listed)d listed), separated by 、.") % {"n": total, "listed": len(names)})
    if len(set(names)) != len(names):
        raise ExitError(_("A member is named twice: list each member once."))
    heard_on = case.hearing_closed_on
    if heard_on is not None and held_on < heard_on:
        raise ExitError(_("The meeting date %(day)s is before the hearing closed on %(closed)s: the review hears the person's statement.") % {
            "day": _day(held_on), "closed": _day(heard_on)})
    if not review_rules.quorum_met(present=present, total=total, share=settings.HRFLOW["REVIEW_QUORUM"]):
        raise ExitError(_("%(present)d of %(total)d members present is no quorum: the meeting cannot decide; hold it again.") % {
            "present": present, "total": total})
    passed = review_rules.motion_passes(votes_for=votes_for, total=total, share=settings.HRFLOW["REVIEW_PASS_SHARE"])
    case.review_held_at, case.review_place, case.review_members = held_at, place.strip(), members.strip()
    case.review_total, case.review_present = total, present
    case.votes_for, case.votes_against, case.votes_abstain = votes_for, votes_against, votes_abstain
    case.review_passed, case.review_minutes = passed, minutes.strip()
    tally = _("for %(f)d, against %(a)d, abstaining %(s)d of %(t)d members, %(p)d present") % {
        "f": votes_for, "a": votes_against, "s": votes_abstain, "t": total, "p": present}
    if passed:
        case.record_review()
        save_audited(case, user=acting_user, reason=_("Collective review: the exit is proposed to the leaders (%(tally)s)") % {"tally": tally})
        _notify(_school_users(case, Role.SCHOOL_LEADER), "decide", lambda: _("An exit awaits your decision: %(person)s") % {"person": _name(case)}, case)
    else:
        case.reject()
        case.decision_reason = _("The collective review did not pass the motion (%(tally)s).") % {"tally": tally}
        save_audited(case, user=acting_user, reason=_("Rejected by the collective review: %(reason)s") % {"reason": case.decision_reason})
        _notify_person(case, lambda: _("Your exit case was rejected: your employment continues"))
    _complete(case, "review", acting_user)
    return case


# --- The leaders' decision -----------------------------------------------------------------------

def in_probation(case) -> bool:
    """In probation when the notice was given (a resignation), else on the decision day."""
    contract = case.contract
    if contract is None or not contract.probation_ends_on:
        return False
    day = case.notice_given_on or clock.today()
    last = contract.confirmed_on - timedelta(days=1) if contract.confirmed_on else contract.probation_ends_on
    return contract.starts_on <= day <= last


def union_notice_due(case, legal_ground) -> bool:
    return policy.union_notice_due(legal_ground=legal_ground, employment_type=case.staff.employment_type)


def decision_choices(case) -> tuple[str, ...]:
    """The legal grounds the leaders may decide this case on."""
    try:
        return policy.legal_grounds(ground_code=case.ground, employment_type=case.staff.employment_type)
    except PolicyInputError as error:
        raise _policy_error(error) from None


def _last_day(case, legal_ground, days, pay_in_lieu, today) -> date:
    if legal_ground == Ground.RESIGNATION:
        earliest = case.notice_given_on + timedelta(days=days)
        return max(earliest, case.requested_last_day or earliest)
    if legal_ground == Ground.RETIREMENT:
        return case.requested_last_day
    if pay_in_lieu or not days:
        return max(case.requested_last_day or today, today)
    return max(today + timedelta(days=days), case.requested_last_day or today)


@transaction.atomic
def case_decide(*, case: ExitCase, approve: bool, reason: str, acting_user, legal_ground: str = "",
                pay_in_lieu: bool = False, union_notified_on: date | None = None) -> ExitCase:
    """A school leader approves the exit (on its legal ground, with the notice the law gives) or
    rejects it with the reason. Whoever opened the case does not decide it."""
    case = _lock(case)
    if case.state != S.DECIDING:
        raise ExitError(_("This case is not awaiting the leaders' decision."))
    reason = (reason or "").strip()
    if not reason:
        raise ExitError(_("Give the reasons for the decision."))
    if case.opened_by_id == acting_user.pk:
        raise ExitError(_("Whoever opened the case cannot also decide it."))
    _not_own(case, acting_user)
    today = clock.today()
    case.decided_by, case.decided_on, case.decision_reason = acting_user, today, reason
    if not approve and case.ground in (Ground.RESIGNATION, Ground.RETIREMENT):
        raise ExitError(_("A resignation with due notice, or a retirement, ends the employment by law (劳动合同法 arts. 37, 44): "
                          "the leaders approve its last day; only the person can withdraw a resignation."))
    if not approve:
        case.reject()
        save_audited(case, user=acting_user, reason=_("Rejected by the leaders: %(reason)s") % {"reason": reason})
        _complete(case, "decide", acting_user)
        _notify_person(case, lambda: _("Your exit case was rejected: your employment continues"), body=reason)
        _notify([case.opened_by], "rejected", lambda: _("Exit rejected: %(person)s") % {"person": _name(case)}, case, body=reason)
        return case
    choices = decision_choices(case)
    legal_ground = legal_ground or (choices[0] if len(choices) == 1 else "")
    if legal_ground not in choices:
        raise ExitError(_("Choose the legal ground of the decision (VETO-EXIT): %(choices)s.") % {
            "choices": "、".join(str(Ground(c).label) for c in choices)})
    blocked = guards(case, legal_ground, today)
    if blocked:
        raise ExitError(" ".join(blocked))
    if pay_in_lieu and not policy.pay_in_lieu_allowed(legal_ground=legal_ground, employment_type=case.staff.employment_type):
        raise ExitError(_("A month's pay instead of notice is the choice of a no-fault dismissal only (劳动合同法 art. 40)."))
    if union_notice_due(case, legal_ground):
        if union_notified_on is None:
            raise ExitError(_("Give the day the union was told the reasons: the school tells it before ending a labour contract "
                              "on its own (劳动合同法 art. 43)."))
        if union_notified_on > today or union_notified_on < case.opened_on:
            raise ExitError(_("The union is told between the opening of the case and the decision."))
        case.union_notified_on = union_notified_on
    try:
        days = policy.exit_notice_days(legal_ground=legal_ground, employment_type=case.staff.employment_type, in_probation=in_probation(case))
    except PolicyInputError as error:
        raise _policy_error(error) from None
    case.legal_ground, case.pay_in_lieu = legal_ground, pay_in_lieu
    case.notice_days = 0 if pay_in_lieu else days
    case.last_day = _last_day(case, legal_ground, case.notice_days, pay_in_lieu, today)
    contract_end = case.contract.ends_on if case.contract is not None else None
    if contract_end is not None and today <= contract_end < case.last_day:
        case.last_day = contract_end  # the term ends within the notice: the employment ends with it (art. 44(1))
    case.approve()
    union = _("the union told on %(day)s; ") % {"day": _day(case.union_notified_on)} if case.union_notified_on else ""
    notice = (_("a month's pay instead of notice") if pay_in_lieu else
              _("%(n)d days' notice") % {"n": case.notice_days} if case.notice_days else _("no notice period"))
    save_audited(case, user=acting_user, reason=_("Approved on the ground: %(ground)s; %(union)s%(notice)s; last day %(day)s. %(reason)s") % {
        "ground": Ground(legal_ground).label, "union": union, "notice": notice, "day": _day(case.last_day), "reason": reason})
    _begin_exit(case, acting_user)
    _complete(case, "decide", acting_user)
    _notify_person(case, lambda: _("Your exit was approved: your last day is %(day)s") % {"day": _day(case.last_day)}, body=reason)
    _notify([case.opened_by], "approved", lambda: _("Exit approved: %(person)s, last day %(day)s") % {
        "person": _name(case), "day": _day(case.last_day)}, case, body=reason)
    return case


def _begin_exit(case, acting_user):
    """Approval: the employment enters its notice period, and the handover list is drawn up."""
    staff = _lock_staff(case.staff)
    previous = staff.get_status_display()
    staff.begin_exit()
    save_audited(staff, user=acting_user, reason=_("%(before)s → %(after)s: exit approved, last day %(day)s") % {
        "before": previous, "after": staff.get_status_display(), "day": _day(case.last_day)})
    # Checked by the HR officer who opened the case, else the school's first HR officer (a case opened by
    # a rule or by the renewal's leader); HR adds items for others to check.
    officers = _school_users(case, Role.HR_OFFICER)
    owner = officers.filter(pk=case.opened_by_id).first() or officers.order_by("pk").first() or acting_user
    for kind in HANDOVER_DEFAULTS:
        save_audited(HandoverItem(case=case, kind=kind, owner=owner), user=acting_user, reason=_("Handover list drawn up"))


# --- Handover ------------------------------------------------------------------------------------

def _lock_item(item) -> HandoverItem:
    return HandoverItem.objects.select_for_update(of=("self",)).select_related("case__staff__person").get(pk=item.pk)


@transaction.atomic
def handover_add(*, case: ExitCase, kind: str, description: str, owner, acting_user) -> HandoverItem:
    case = _lock(case)
    if case.state != S.NOTICE:
        raise ExitError(_("The handover is drawn up once the exit is approved, and closes with the case."))
    _not_own(case, acting_user)
    _not_own(case, owner)
    if kind not in HandoverItem.Kind.values:
        raise ExitError(_("Choose what is to be handed over."))
    return save_audited(HandoverItem(case=case, kind=kind, description=(description or "").strip()[:200], owner=owner),
                        user=acting_user, reason=_("Handover item added"))


@transaction.atomic
def handover_confirm(*, item: HandoverItem, done: bool, note: str, acting_user) -> HandoverItem:
    """The item's owner (or HR) confirms it was handed over, or takes the confirmation back."""
    item = _lock_item(item)
    if item.case.state != S.NOTICE:
        raise ExitError(_("The handover is closed."))
    _not_own(item.case, acting_user)
    if done and item.done_on is not None:
        raise ExitError(_("This item was already confirmed on %(day)s.") % {"day": _day(item.done_on)})
    if not done and item.done_on is None:
        raise ExitError(_("This item has not been confirmed yet."))
    item.note = (note or "").strip()[:200]
    if done:
        item.done_on, item.done_by = clock.today(), acting_user
        reason = _("Handed over: %(item)s. %(note)s") % {"item": item, "note": item.note}
    else:
        item.done_on, item.done_by = None, None
        reason = _("Handover taken back: %(item)s. %(note)s") % {"item": item, "note": item.note}
    return save_audited(item, user=acting_user, reason=reason)


# --- Settlement and closing ----------------------------------------------------------------------

def _money(value, label) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value > MAX_MONEY:
        raise ExitError(_("%(field)s must be an amount of 0 or more yuan.") % {"field": label})
    return value.quantize(CENT)


def severance_is_due(case, renewal_declined=False) -> bool:
    return policy.severance_due(legal_ground=case.decided_ground, employment_type=case.staff.employment_type,
                                initiated_by=case.initiated_by, renewal_declined=renewal_declined)


def settlement_preview(case, monthly_pay, local_average_pay, renewal_declined=False) -> dict:
    """What the settlement will pay, from the inputs: severance where the ground makes it due, and a
    month's pay instead of notice where chosen."""
    due = severance_is_due(case, renewal_declined)
    severance = Decimal("0.00")
    if due:
        if monthly_pay is None or local_average_pay is None:
            raise ExitError(_("Severance is due (劳动合同法 art. 46): give the monthly pay and the local average monthly pay."))
        try:
            severance = severance_pay(service_start=_service_start(case), service_end=case.last_day, monthly_pay=monthly_pay,
                                      local_average_monthly_pay=local_average_pay)
        except PolicyInputError as error:
            raise _policy_error(error) from None
    in_lieu = Decimal("0.00")
    if case.pay_in_lieu:
        if monthly_pay is None:
            raise ExitError(_("Give the monthly pay: a month's pay is due instead of notice (劳动合同法 art. 40)."))
        in_lieu = monthly_pay
    return {"severance_due": due, "severance": severance, "pay_in_lieu": in_lieu}


@transaction.atomic
def case_settle(*, case: ExitCase, monthly_pay, local_average_pay, outstanding_pay, note: str, acting_user,
                renewal_declined: bool = False) -> ExitCase:
    """The final settlement closes the case on or after the last day, once everything is handed over:
    severance (LAW-SEVERANCE) where due, the month's pay instead of notice, outstanding pay; then the
    employment has left, the contract has ended and the login is disabled. Every record is kept."""
    case = _lock(case)
    if case.state != S.NOTICE:
        raise ExitError(_("Only an approved exit is settled."))
    _not_own(case, acting_user)
    today = clock.today()
    if today < case.last_day:
        raise ExitError(_("The settlement is made on or after the last day, %(day)s.") % {"day": _day(case.last_day)})
    pending = [str(i) for i in case.handover_items.filter(done_on__isnull=True)]
    if pending:
        raise ExitError(_("Still to be handed over: %(items)s.") % {"items": "、".join(pending)})
    extended = ""
    if case.decided_ground == Ground.NOT_RENEWED:
        # 劳动合同法 art. 45: a term that ended while a protection held runs on until the protection ends;
        # with 15 years' service near retirement (42(5)) it runs on to the retirement.
        at_end = guards(case, Ground.NOT_RENEWED, case.last_day)
        held_until = _protected_until(case.staff, case.last_day)
        if held_until >= today or (at_end and held_until == case.last_day):
            raise ExitError(" ".join(at_end or guards(case, Ground.NOT_RENEWED, today)))
        if held_until > case.last_day:
            extended = _("The term ran on until %(day)s, when the protection ended (劳动合同法 art. 45). ") % {"day": _day(held_until)}
            case.last_day = held_until
    elif policy.ground(case.decided_ground).guarded:
        # A protection that began in the notice period stops the dismissal too (art. 42).
        blocked = guards(case, case.decided_ground, case.last_day)
        if blocked:
            raise ExitError(" ".join(blocked))
    monthly_pay = _money(monthly_pay, _("The monthly pay"))
    local_average_pay = _money(local_average_pay, _("The local average monthly pay"))
    outstanding_pay = _money(outstanding_pay, _("The outstanding pay")) or Decimal("0.00")
    if local_average_pay is not None and local_average_pay == 0:
        raise ExitError(_("The local average monthly pay is the published figure, never 0."))
    case.renewal_declined = bool(renewal_declined) and case.decided_ground == Ground.NOT_RENEWED
    if case.renewal_declined and not (note or "").strip():
        raise ExitError(_("Say in the remarks which renewal on the same or better terms the person declined, and when (劳动合同法 art. 46(5))."))
    amounts = settlement_preview(case, monthly_pay, local_average_pay, case.renewal_declined)
    if amounts["severance"] + amounts["pay_in_lieu"] + outstanding_pay > MAX_MONEY:
        raise ExitError(_("The settlement exceeds 99,999,999.99 yuan: check the amounts."))
    case.monthly_pay, case.local_average_pay = monthly_pay, local_average_pay
    case.severance, case.pay_in_lieu_amount, case.outstanding_pay = amounts["severance"], amounts["pay_in_lieu"], outstanding_pay
    case.settlement_note, case.closed_on = (note or "").strip()[:2000], today
    case.close()
    total = case.severance + case.pay_in_lieu_amount + case.outstanding_pay
    save_audited(case, user=acting_user, reason=extended + _(
        "Settled and closed: severance %(severance)s yuan, pay instead of notice %(lieu)s yuan, outstanding pay %(outstanding)s yuan, "
        "%(total)s yuan in all. %(note)s") % {"severance": f"{case.severance:,.2f}", "lieu": f"{case.pay_in_lieu_amount:,.2f}",
                                              "outstanding": f"{case.outstanding_pay:,.2f}", "total": f"{total:,.2f}", "note": case.settlement_note})
    _end_employment(case, acting_user)
    _complete(case, "finish", acting_user)
    _notify_person(case, lambda: _("Your exit is settled: the employment ended on %(day)s") % {"day": _day(case.last_day)})
    return case


def _protected_until(staff, day) -> date:
    """The day the protections holding on `day` (one after another) end; `day` if none holds."""
    protections = list(Protection.objects.filter(staff=staff).values_list("starts_on", "ends_on"))
    for _step in range(len(protections) + 1):
        holding = [end for start, end in protections if start <= day and (end is None or end >= day)]
        if not holding or None in holding:
            return day
        later = max(holding)
        if later == day:
            return day
        day = later
    return day


def _end_employment(case, acting_user):
    staff = _lock_staff(case.staff)
    why = _("Exit (%(ground)s), last day %(day)s") % {"ground": Ground(case.decided_ground).label, "day": _day(case.last_day)}
    previous = staff.get_status_display()
    staff.complete_exit()
    save_audited(staff, user=acting_user, reason=f"{previous} → {staff.get_status_display()}: {why}")
    # The case's contract, and any the employment has beside it (a renewal drafted or signed meanwhile).
    for contract in Contract.objects.select_for_update().filter(staff=staff).exclude(state__in=(Contract.State.ENDED, Contract.State.RENEWED)):
        contract.end()
        contract.ended_on, contract.end_reason = case.last_day, why
        save_audited(contract, user=acting_user, reason=_("Ended by the exit: %(why)s") % {"why": why})
    user = staff.person.user
    elsewhere = Staff.objects.filter(person_id=staff.person_id).exclude(pk=staff.pk).exclude(status=Staff.Status.LEFT).exists()
    if user is not None and user.is_active and not elsewhere:
        # The login goes with the employment; the records stay (PIPL art. 47 allows keeping what the law requires).
        user.is_active = False
        user.save(update_fields=["is_active"])


# --- Withdrawal ----------------------------------------------------------------------------------

@transaction.atomic
def case_withdraw(*, case: ExitCase, reason: str, acting_user) -> ExitCase:
    """HR withdraws a case before the leaders decide (or the person a resignation of their own): the
    employment continues exactly as it was."""
    case = _lock(case)
    if case.state not in ExitCase.UNDECIDED:
        raise ExitError(_("Only a case not yet decided can be withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise ExitError(_("Give the reason for withdrawing the case."))
    person = case.staff.person.user
    own = person is not None and person.pk == acting_user.pk
    if case.ground == Ground.RESIGNATION and not own and person is not None and person.is_active:
        # A resignation is the person's: the school cannot drop it; HR records a withdrawal only for
        # someone without a login, on their written request.
        raise ExitError(_("Only the person can withdraw their resignation (they do so from My exit case)."))
    if not own or case.ground != Ground.RESIGNATION:
        _not_own(case, acting_user)
    case.withdrawn_reason = reason
    case.withdraw()
    save_audited(case, user=acting_user, reason=_("Withdrawn: %(reason)s") % {"reason": reason})
    flowsteps.cancel_process(flow_class(), case.process)
    _notify_person(case, lambda: _("The exit case was withdrawn: your employment continues"), body=reason)
    return case


@transaction.atomic
def case_revoke(*, case: ExitCase, reason: str, acting_user) -> ExitCase:
    """A school leader revokes an approved exit during its notice period (a resignation taken back
    with the school's consent, a dismissal reconsidered): the employment continues, the contract is
    untouched, the case and its handover stay on record."""
    case = _lock(case)
    if case.state != S.NOTICE:
        raise ExitError(_("Only an approved exit in its notice period can be revoked."))
    reason = (reason or "").strip()
    if not reason:
        raise ExitError(_("Give the reason for revoking the exit."))
    _not_own(case, acting_user)
    case.revoke()
    save_audited(case, user=acting_user, reason=_("Revoked in the notice period: %(reason)s") % {"reason": reason})
    staff = _lock_staff(case.staff)
    previous = staff.get_status_display()
    staff.cancel_exit()
    save_audited(staff, user=acting_user, reason=_("%(before)s → %(after)s: the exit was revoked: %(reason)s") % {
        "before": previous, "after": staff.get_status_display(), "reason": reason})
    flowsteps.cancel_process(flow_class(), case.process)
    _notify_person(case, lambda: _("Your exit was revoked: your employment continues"), body=reason)
    return case


# --- Seams (connected in apps.py) ------------------------------------------------------------------

def staff_transition_guard(staff, name) -> str | None:
    """The staff page's status changes yield to the exit workflow: an exit begins with an approved
    case, and an employment in an open case leaves (or stays) through that case. A transfer's exit at
    the old school has no case and is completed there as before."""
    if name == "begin_exit":
        return _("An exit begins when the leaders approve an exit case (人员退出机制): open one from this page.")
    if name in ("complete_exit", "cancel_exit", "transfer") and ExitCase.objects.filter(staff=staff, state__in=ExitCase.OPEN).exists():
        return _("This employment is in an open exit case: it ends with the case's settlement, or continues if the case is rejected or withdrawn.")
    return None


def renewal_guard(contract) -> str | None:
    """A contract whose employment is in an open exit case is not renewed (hrflow.contracts RENEWAL_GUARDS)."""
    if ExitCase.objects.filter(staff_id=contract.staff_id, state__in=ExitCase.OPEN).exists():
        return _("The employment is in an open exit case: decide the exit first (withdraw or reject it to renew).")
    return None


def on_contract_not_renewed(sender, case, acting_user, **kwargs):
    _open_safely(lambda: case_open_not_renewed(renewal_case=case, acting_user=acting_user), case.contract.staff)


def on_exit_review_due(sender, appraisal, rule, reason, acting_user, **kwargs):
    _open_safely(lambda: case_open_review(appraisal=appraisal, rule=rule, reason=reason, acting_user=acting_user or system_user()),
                 appraisal.staff)


def _open_safely(open_case, staff):
    """After the other workflow's commit: a case that cannot open is logged and HR is told, never a
    failure of the request that committed (nor of the other cases opening with it)."""
    try:
        case = open_case()
    except Exception:
        log.exception("exit case for staff %s could not be opened", staff.pk)
        case = None
    if case is None:
        with translation.override(settings.LANGUAGE_CODE):
            notify(recipients=school_users([staff.school.unit_id], Role.HR_OFFICER),
                   event_key=f"exits.not_opened:{staff.pk}:{clock.today()}",
                   subject=_("An exit case for %(person)s could not be opened: see the staff page") % {"person": staff.person.name},
                   url=reverse("people:staff_detail", args=[staff.pk]))
