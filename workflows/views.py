from django.shortcuts import redirect


class RoundOfTaskView:
    """A task's page is its round's page: HRflow runs the steps there, scoped by role."""

    @classmethod
    def as_view(cls):
        def view(request, *args, **kwargs):
            return redirect("hiring:round_detail", pk=request.activation.process.selection_round.pk)

        return view


class CaseOfTaskView:
    """A renewal task's page is its contract's page, where the proposal and the decision are made."""

    @classmethod
    def as_view(cls):
        def view(request, *args, **kwargs):
            return redirect("contracts:contract_detail", pk=request.activation.process.renewal_case.contract_id)

        return view


class CycleOfTaskView:
    """An appraisal task's page is its cycle's page, where each step is taken."""

    @classmethod
    def as_view(cls):
        def view(request, *args, **kwargs):
            return redirect("appraisal:cycle_detail", pk=request.activation.process.appraisal_cycle.pk)

        return view


class ExitOfTaskView:
    """An exit task's page is its case's page, where each step is taken."""

    @classmethod
    def as_view(cls):
        def view(request, *args, **kwargs):
            return redirect("exits:case_detail", pk=request.activation.process.exit_case.pk)

        return view
