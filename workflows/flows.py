"""Who must act next in a selection round (公开遴选), as a viewflow process.

HR officers of the round's school take every step but two: a school leader approves the
plan and records the collective review (集体研究). Each step is carried out by a service of
hrflow.hiring, which moves the round's own state (django-fsm-2) and completes the task here;
the gateways only read that state. Every human node is permission-gated by a `rules`
predicate on the round, so the organisational scope is checked on the object.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from .models import AppraisalProcess, ExitProcess, HiringProcess, RenewalProcess
from .views import CaseOfTaskView, CycleOfTaskView, ExitOfTaskView, RoundOfTaskView

MANAGE = "hiring.manage_round"  # HR officer of the round's school
LEAD = "hiring.lead_round"  # school leader of the round's school


def _round(activation):
    return activation.process.artifact


def _state_is(state):
    return lambda activation: _round(activation).state == state


def _hr_step(title):
    return flow.View(RoundOfTaskView.as_view()).Annotation(title=title).Permission(MANAGE, obj=lambda process: process.artifact)


def _leader_step(title):
    return flow.View(RoundOfTaskView.as_view()).Annotation(title=title).Permission(LEAD, obj=lambda process: process.artifact)


class HiringFlow(flow.Flow):
    """公开遴选: plan → approve → announce → apply → screen → assess → examine → review → 公示 → hire."""

    process_class = HiringProcess
    process_title = _("Open selection")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_round).Next(this.submit_plan)
    submit_plan = _hr_step(_("Submit the plan for approval")).Next(this.approve_plan)
    approve_plan = _leader_step(_("Approve the plan")).Next(this.plan_decided)
    plan_decided = flow.If(_state_is("approved")).Then(this.publish).Else(this.submit_plan)
    publish = _hr_step(_("Announce the round")).Next(this.publish_decided)
    # An approved plan may go back for revision (new dates) instead of being announced.
    publish_decided = flow.If(_state_is("open")).Then(this.close_applications).Else(this.submit_plan)
    close_applications = _hr_step(_("Close applications and screen")).Next(this.review_screening)
    review_screening = _hr_step(_("Review the screening")).Next(this.assess)
    assess = _hr_step(_("Enter exam and interview scores")).Next(this.examine)
    examine = _hr_step(_("Record medical examinations and background checks")).Next(this.collective_review)
    collective_review = _leader_step(_("Record the collective review")).Next(this.review_decided)
    review_decided = flow.If(_state_is("reviewed")).Then(this.publish_publicity).Else(this.examine)
    publish_publicity = _hr_step(_("Publish the proposed hires")).Next(this.finish_publicity)
    finish_publicity = _hr_step(_("Resolve objections and end the publicity")).Next(this.publicity_decided)
    publicity_decided = flow.If(_state_is("examining")).Then(this.examine).Else(this.hire)
    hire = _hr_step(_("Hire and close the round")).Next(this.end)
    end = flow.End()

    def start_round(self, activation, round):
        activation.process.artifact = round
        return activation.process




def _case(activation):
    return activation.process.artifact


class RenewalFlow(flow.Flow):
    """聘期管理 renewal: HR proposes renewing a contract that is ending, or not, citing the term's
    evaluation (hrflow.contracts.services.renewal_propose starts the process); a school leader of the
    contract's school approves or returns it; a returned proposal goes back to HR. On approval the
    service drafts the new contract, or (not renewed) hands the employment to the exit seam."""

    process_class = RenewalProcess
    process_title = _("Contract renewal")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_case).Next(this.approve)
    approve = (
        flow.View(CaseOfTaskView.as_view()).Annotation(title=_("Decide on the renewal proposal"))
        .Permission("contracts.approve_renewal", obj=lambda process: process.artifact).Next(this.decided)
    )
    decided = flow.If(lambda activation: _case(activation).state == "approved").Then(this.end).Else(this.revise)
    revise = (
        flow.View(CaseOfTaskView.as_view()).Annotation(title=_("Revise the renewal proposal"))
        .Permission("contracts.manage_contract", obj=lambda process: process.artifact).Next(this.approve)
    )
    end = flow.End()

    def start_case(self, activation, case):
        activation.process.artifact = case
        return activation.process


def _cycle_step(title):
    return (flow.View(CycleOfTaskView.as_view()).Annotation(title=title)
            .Permission("appraisal.manage_cycle", obj=lambda process: process.artifact))


class AppraisalFlow(flow.Flow):
    """考核: the steps of the cycle's owner (the school's HR officer, or the bureau officer of a bureau's
    cycle): open it, close self-evaluation, close peer evaluation, close leadership evaluation, grade
    and send to the leaders, publish once every school's leaders approved, close after the appeals.

    The leaders' steps (score, decide ties, approve) are per school, on the cycle's school page and
    in their appraisal inbox; staff's self-evaluation and peer ratings are in My appraisal: a province
    cycle would otherwise hold hundreds of thousands of tasks. Each step is a service of
    hrflow.appraisal, which moves the cycle's state and completes the task here.
    """

    process_class = AppraisalProcess
    process_title = _("Appraisal")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_cycle).Next(this.open_cycle)
    open_cycle = _cycle_step(_("Enrol the staff and open self-evaluation")).Next(this.close_self)
    close_self = _cycle_step(_("Close self-evaluation and open peer evaluation")).Next(this.close_peer)
    close_peer = _cycle_step(_("Close peer evaluation and open leadership evaluation")).Next(this.close_leader)
    close_leader = _cycle_step(_("Close leadership evaluation")).Next(this.grade)
    grade = _cycle_step(_("Compute the composite and grades and send them to the leaders")).Next(this.publish)
    # While it waits, a school whose leaders returned its grades is regraded (no step of its own).
    publish = _cycle_step(_("Publish the results")).Next(this.close)
    close = _cycle_step(_("Close the cycle after the appeal window")).Next(this.end)
    end = flow.End()

    def start_cycle(self, activation, cycle):
        activation.process.artifact = cycle
        return activation.process


def _exit_step(title, permission):
    return flow.View(ExitOfTaskView.as_view()).Annotation(title=title).Permission(permission, obj=lambda process: process.artifact)


def _exit_state_is(*states):
    return lambda activation: activation.process.artifact.state in states


class ExitFlow(flow.Flow):
    """人员退出: HR opens the case with its ground and evidence (hrflow.exits.services.case_open starts the
    process). A ground the school initiates goes to the person's statement (陈述申辩), which HR closes,
    then to the collective review (集体研究) a school leader records; a ground the person initiates
    goes straight to the leaders. A school leader approves or rejects; an approved exit runs its notice
    period and handover, and HR settles and closes it. A term not renewed arrives decided by its renewal
    decision. Withdrawing a case cancels the process."""

    process_class = ExitProcess
    process_title = _("Exit")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_case).Next(this.route)
    route = (flow.Switch()
             .Case(this.hearing, _exit_state_is("hearing"))
             .Case(this.decide, _exit_state_is("deciding"))
             .Default(this.finish))
    hearing = _exit_step(_("Close the hearing (陈述申辩)"), "exits.manage_case").Next(this.review)
    review = _exit_step(_("Record the collective review"), "exits.decide_case").Next(this.reviewed)
    reviewed = flow.If(_exit_state_is("deciding")).Then(this.decide).Else(this.end)
    decide = _exit_step(_("Decide on the exit"), "exits.decide_case").Next(this.decided)
    decided = flow.If(_exit_state_is("notice")).Then(this.finish).Else(this.end)
    finish = _exit_step(_("Hand over, settle and close"), "exits.manage_case").Next(this.end)
    end = flow.End()

    def start_case(self, activation, case):
        activation.process.artifact = case
        return activation.process
