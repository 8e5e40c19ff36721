"""The one-vote veto (一票否决, 川教函〔2021〕569号 四(二)): the incident register, the investigation,
the statements (VETO-ACCOUNT) and the consequences of a final major incident on the appraisal of
each person responsible for the period it falls in: 不合格 (VETO-GRADE), no reward pay (VETO-PAY,
read by the pay run), an exit review (VETO-EXIT, through hrflow.appraisal.signals)."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from hrflow.core import clock
from hrflow.core.history import save_audited
from hrflow.org.models import Role, RoleAssignment
from hrflow.people.models import Staff

from .models import Appraisal, Cycle, GradeChoices, Incident, Responsibility
from .services import AppraisalError, _day, _reason, _text, notify_people
from .signals import exit_review_due

I = Incident.State
EARLIEST = date(1990, 1, 1)


def _lock(incident) -> Incident:
    return Incident.objects.select_for_update().select_related("school__unit").get(pk=incident.pk)


@transaction.atomic
def incident_record(*, school, occurred_on: date, title: str, description: str, severity: str, acting_user) -> Incident:
    title = _text(title, 200, _("The title"))
    description = _text(description, 5000, _("The description"))
    if not title or not description:
        raise AppraisalError(_("Give the incident a title and say what happened."))
    if severity not in Incident.Severity.values:
        raise AppraisalError(_("Choose the severity."))
    if occurred_on > clock.today():
        raise AppraisalError(_("An incident is recorded once it has happened: the date is in the future."))
    if occurred_on < EARLIEST:
        raise AppraisalError(_("The date is implausibly early."))
    incident = Incident(school=school, occurred_on=occurred_on, title=title, description=description, severity=severity, recorded_by=acting_user)
    return save_audited(incident, user=acting_user, reason=_("Incident recorded: %(severity)s") % {"severity": incident.get_severity_display()})


@transaction.atomic
def responsibility_add(*, incident: Incident, staff: Staff, role: str, finding: str, acting_user) -> Responsibility:
    """The investigation names a person and their role (VETO-ACCOUNT)."""
    incident = _lock(incident)
    if incident.state not in (I.RECORDED, I.INVESTIGATED):
        raise AppraisalError(_("Responsibility is final: nobody is added any more."))
    if staff.school_id != incident.school_id:
        raise AppraisalError(_("The person responsible works (or worked) at the incident's school."))
    if staff.hired_on > incident.occurred_on:
        raise AppraisalError(_("%(person)s was hired after the incident.") % {"person": staff.person.name})
    if role not in Responsibility.Role.values:
        raise AppraisalError(_("Choose the person's role in the incident."))
    finding = _reason(finding, _("What the investigation found"))
    if Responsibility.objects.filter(incident=incident, staff=staff).exists():
        raise AppraisalError(_("%(person)s is already named.") % {"person": staff.person.name})
    resp = Responsibility(incident=incident, staff=staff, role=role, finding=finding)
    return save_audited(resp, user=acting_user, reason=_("Named responsible: %(role)s") % {"role": resp.get_role_display()})


@transaction.atomic
def incident_investigated(*, incident: Incident, investigation: str, acting_user) -> Incident:
    """The investigation record is complete; the people named may now state their case."""
    incident = _lock(incident)
    if incident.state not in (I.RECORDED, I.INVESTIGATED):
        raise AppraisalError(_("Responsibility is final: the investigation record is closed."))
    incident.investigation = _text(investigation, 10000, _("The investigation record"))
    if not incident.investigation:
        raise AppraisalError(_("Write the investigation record."))
    if not incident.responsibilities.exists():
        raise AppraisalError(_("Name the people responsible and their role first (VETO-ACCOUNT), or close the incident without responsibility."))
    incident.investigated()
    save_audited(incident, user=acting_user, reason=_("Investigation recorded; the people named may state their case"))
    with translation.override(settings.LANGUAGE_CODE):
        notify_people([(resp.staff.person.user_id, f"appraisal.named:{resp.pk}",
                        _("You are named as responsible for the incident “%(title)s”: state your case before it is final") % {"title": incident.title},
                        reverse("appraisal:statement", args=[resp.pk])) for resp in incident.responsibilities.select_related("staff__person")])
        leaders = RoleAssignment.objects.filter(role=Role.SCHOOL_LEADER, unit__school__id=incident.school_id, user__is_active=True)
        notify_people([(user_id, f"appraisal.incident-investigated:{incident.pk}:{user_id}",
                        _("An incident awaits your decision on responsibility: “%(title)s”") % {"title": incident.title},
                        reverse("appraisal:incident_detail", args=[incident.pk])) for user_id in leaders.values_list("user_id", flat=True)])
    return incident


@transaction.atomic
def statement_record(*, responsibility: Responsibility, statement: str, waived: bool, acting_user) -> Responsibility:
    """陈述申辩 (VETO-ACCOUNT): the person's own statement, written by them or recorded by HR, or
    their declining to make one. Possible until responsibility is final."""
    resp = Responsibility.objects.select_for_update().select_related("incident", "staff__person").get(pk=responsibility.pk)
    if resp.incident.state == I.FINAL or resp.incident.state == I.CLOSED:
        raise AppraisalError(_("Responsibility is final: statements are closed."))
    statement = _text(statement, 5000, _("The statement"))
    own = resp.staff.person.user_id is not None and resp.staff.person.user_id == acting_user.pk
    if resp.statement and not own:
        raise AppraisalError(_("The person has stated their case themselves: only they change it."))
    if not statement and not waived:
        raise AppraisalError(_("Write the statement, or record that the person declined to make one."))
    if statement and waived:
        raise AppraisalError(_("Either a statement or declining to make one, not both: clear the text or untick “declined”."))
    resp.statement, resp.waived, resp.statement_on = statement, waived, clock.today()
    return save_audited(resp, user=acting_user, reason=_("Statement recorded (陈述申辩)") if statement else _("Declined to make a statement"))


def _vetoed_reason(resp) -> str:
    return (_("Vetoed: %(role)s for the major safety incident “%(title)s” of %(day)s (VETO-MAJOR, VETO-GRADE, 四(二))")
            % {"role": resp.get_role_display(), "title": resp.incident.title, "day": _day(resp.incident.occurred_on)})


def apply_veto(appraisals: list[Appraisal], resp: Responsibility, acting_user) -> list[Appraisal]:
    """Each appraisal of the responsible person whose period holds the incident: 不合格 whatever its
    scores (VETO-GRADE), no pay-step raise, an exit review due (VETO-EXIT); the pay run gives no
    reward part (VETO-PAY)."""
    changed = []
    for a in appraisals:
        if a.vetoed:
            continue
        a.vetoed, a.veto = True, resp
        a.tied = False
        if a.grade or a.cycle.state not in (Cycle.State.DRAFT, Cycle.State.SELF, Cycle.State.PEER, Cycle.State.LEADER):
            a.grade, a.grade_source = GradeChoices.INCOMPETENT, Appraisal.GradeSource.VETO
            a.grade_reason = _vetoed_reason(resp)
        a.pay_step_raise = False
        a.exit_review = "VETO-EXIT"
        changed.append(a)
    bulk_update_with_history(changed, Appraisal, ["vetoed", "veto", "tied", "grade", "grade_source", "grade_reason", "pay_step_raise", "exit_review"],
                             default_user=acting_user, default_change_reason=_vetoed_reason(resp))
    for a in changed:
        transaction.on_commit(lambda a=a: exit_review_due.send(sender=Appraisal, appraisal=a, rule="VETO-EXIT",
                                                               reason=_vetoed_reason(resp), acting_user=acting_user))
    with translation.override(settings.LANGUAGE_CODE):
        notify_people([(resp.staff.person.user_id, f"appraisal.vetoed:{a.pk}", _("Appraisal: %(cycle)s is vetoed for a major safety incident")
                        % {"cycle": a.cycle.name}, reverse("appraisal:mine")) for a in changed])
    _flag_paid_rewards(changed, resp, acting_user)
    return changed


def _flag_paid_rewards(appraisals, resp, acting_user) -> None:
    """A veto made final after the school's pay run was approved: the run is locked, so the reward
    part already granted is said on the run, to be recovered (VETO-PAY), rather than rewritten."""
    from .models import PayLine, PayRun

    for line in (PayLine.objects.filter(appraisal__in=appraisals, run__state=PayRun.State.APPROVED, reward_amount__gt=0)
                 .select_related("appraisal__staff__person")):
        run = PayRun.objects.select_for_update().get(pk=line.run_id)
        why = _("%(person)s was vetoed after this run was approved (VETO-PAY): the reward part of %(amount)s yuan granted to them is to "
                "be recovered.") % {"person": line.appraisal.staff.person.name, "amount": line.reward_amount}
        run.message = f"{run.message} {why}".strip()[:2000]
        save_audited(run, user=acting_user, reason=why)


def _appraisals_of(resp):
    day = resp.incident.occurred_on
    return list(Appraisal.objects.select_for_update(of=("self",)).select_related("cycle").filter(
        staff__person_id=resp.staff.person_id, cycle__period_start__lte=day, cycle__period_end__gte=day))


@transaction.atomic
def incident_finalise(*, incident: Incident, decision_note: str, acting_user) -> int:
    """The school's leaders make responsibility final. VETO-ACCOUNT: every person named has stated
    their case or declined. A major incident then vetoes their appraisals for the period."""
    incident = _lock(incident)
    if incident.state != I.INVESTIGATED:
        raise AppraisalError(_("Only an investigated incident is made final."))
    unheard = [r.staff.person.name for r in incident.responsibilities.select_related("staff__person") if not r.heard]
    if unheard:
        raise AppraisalError(_("Each person named may state their case before responsibility is final (VETO-ACCOUNT): %(names)s have not.")
                             % {"names": "、".join(unheard)})
    incident.decision_note = _reason(decision_note, _("The decision"))
    incident.decided_by, incident.final_on = acting_user, clock.today()
    incident.make_final()
    save_audited(incident, user=acting_user, reason=_("Responsibility made final: %(note)s") % {"note": incident.decision_note})
    vetoed = 0
    if incident.vetoes:
        for resp in incident.responsibilities.select_related("staff__person", "incident"):
            vetoed += len(apply_veto(_appraisals_of(resp), resp, acting_user))
    return vetoed


@transaction.atomic
def incident_close(*, incident: Incident, reason: str, acting_user) -> Incident:
    incident = _lock(incident)
    if incident.state not in (I.RECORDED, I.INVESTIGATED):
        raise AppraisalError(_("This incident is already decided."))
    reason = _reason(reason)
    incident.decision_note = reason
    incident.close()
    return save_audited(incident, user=acting_user, reason=_("Closed without responsibility: %(reason)s") % {"reason": reason})


def veto_enrolled(cycle: Cycle, acting_user) -> int:
    """At enrolment: final vetoes of incidents within the period apply to the new appraisals."""
    found = Responsibility.objects.filter(incident__state=I.FINAL, incident__severity=Incident.Severity.MAJOR,
                                          incident__occurred_on__gte=cycle.period_start, incident__occurred_on__lte=cycle.period_end,
                                          staff__person__employments__appraisals__cycle=cycle).select_related("incident", "staff__person").distinct()
    count = 0
    for resp in found:
        count += len(apply_veto(_appraisals_of(resp), resp, acting_user))
    return count

