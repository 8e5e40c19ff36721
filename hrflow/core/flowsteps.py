"""The bridge between a domain service and its viewflow process, for every workflow.

A service that finishes a human step calls `complete_step()` inside its transaction: the open task
of that node is assigned to the acting user (if nobody holds it), started and executed, so the
process moves to the next node and the inbox never disagrees with the record. A step done without
its task open is a bug, not a no-op.
"""

from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


class StepNotOpen(Exception):
    pass


class ProcessBusy(Exception):
    """Someone else is completing a step of this process right now."""


def open_tasks(process_id):
    if process_id is None:
        return Task.objects.none()
    return Task.objects.filter(process_id=process_id, status__in=OPEN).order_by("created")


def complete_step(flow_class, process_id, node_name: str, user, *, busy_message: str):
    node = getattr(flow_class.instance, node_name)
    try:
        with flow_class.lock(process_id):
            task = open_tasks(process_id).filter(flow_task=node).first()
            if task is None:
                raise StepNotOpen(_("The step “%(step)s” is not open.") % {"step": node.task_title or node_name})
            activation = node.activation_class(task)
            if task.status == STATUS.NEW:
                activation.assign(user)
            elif task.owner_id != user.pk:
                activation.reassign(user)
            activation.start(None)
            activation.execute()
    except FlowLockFailed:
        raise ProcessBusy(busy_message) from None


def cancel_process(flow_class, process):
    """A case ended early: its open tasks are cancelled and the process with them."""
    with flow_class.lock(process.pk):
        for task in open_tasks(process.pk):
            task.status = STATUS.CANCELED
            task.save(update_fields=["status"])
        process.status = PROCESS.CANCELED
        process.save(update_fields=["status"])
