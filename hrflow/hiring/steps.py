"""A round's services and its viewflow process (HiringFlow): the round-specific side of
hrflow.core.flowsteps."""

from django.utils.translation import gettext as _

from hrflow.core import flowsteps
from hrflow.core.flowsteps import OPEN, StepNotOpen  # noqa: F401  (the round's views and selectors use them)
from hrflow.core.flowsteps import ProcessBusy as RoundBusy  # noqa: F401


def flow_class():
    from workflows.flows import HiringFlow

    return HiringFlow


def start_process(round):
    process = flow_class().start.run(round=round)
    round.process = process
    return process


def open_tasks(round):
    return flowsteps.open_tasks(round.process_id)


def open_step_names(round) -> list[str]:
    return [task.flow_task.name for task in open_tasks(round)]


def complete_step(round, node_name: str, user):
    flowsteps.complete_step(flow_class(), round.process_id, node_name, user,
                            busy_message=_("Another officer is working on this round; try again in a moment."))


def cancel_process(round):
    """A round ended early: its open tasks are cancelled and the process with them."""
    flowsteps.cancel_process(flow_class(), round.process)
