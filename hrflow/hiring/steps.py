"""The bridge between a round's services and its viewflow process.

A service that finishes a step calls `complete_step()` inside its transaction: the open task
of that node is assigned to the acting user (if nobody holds it), started and executed, so the
process moves to the next node. A step done without its task open is a bug, not a no-op.
"""

from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


class StepNotOpen(Exception):
    pass


class RoundBusy(Exception):
    """Another officer is completing a step of this round right now."""


def flow_class():
    from workflows.flows import HiringFlow

    return HiringFlow


def start_process(round):
    process = flow_class().start.run(round=round)
    round.process = process
    return process


def open_tasks(round):
    if round.process_id is None:
        return Task.objects.none()
    return Task.objects.filter(process_id=round.process_id, status__in=OPEN).order_by("created")


def open_step_names(round) -> list[str]:
    return [task.flow_task.name for task in open_tasks(round)]


def complete_step(round, node_name: str, user):
    flow = flow_class()
    node = getattr(flow.instance, node_name)
    try:
        with flow.lock(round.process_id):
            task = open_tasks(round).filter(flow_task=node).first()
            if task is None:
                raise StepNotOpen(_("The step “%(step)s” is not open in this round.") % {"step": node.task_title or node_name})
            activation = node.activation_class(task)
            if task.status == STATUS.NEW:
                activation.assign(user)
            elif task.owner_id != user.pk:
                activation.reassign(user)
            activation.start(None)
            activation.execute()
    except FlowLockFailed:
        raise RoundBusy(_("Another officer is working on this round; try again in a moment.")) from None


def cancel_process(round):
    """A round ended early: its open tasks are cancelled and the process with them."""
    flow = flow_class()
    with flow.lock(round.process_id):
        for task in open_tasks(round):
            task.status = STATUS.CANCELED
            task.save(update_fields=["status"])
        process = round.process
        process.status = PROCESS.CANCELED
        process.save(update_fields=["status"])
