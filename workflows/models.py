from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class HiringProcess(Process):
    """The viewflow process of one selection round (the round links to it: SelectionRound.process)."""

    class Meta:
        proxy = True
        verbose_name = _("open selection process")
        verbose_name_plural = _("open selection processes")


class RenewalProcess(Process):
    """The viewflow process of one contract renewal (the case links to it: RenewalCase.process)."""

    class Meta:
        proxy = True
        verbose_name = _("contract renewal process")
        verbose_name_plural = _("contract renewal processes")


class AppraisalProcess(Process):
    """The viewflow process of one appraisal cycle (the cycle links to it: Cycle.process)."""

    class Meta:
        proxy = True
        verbose_name = _("appraisal process")
        verbose_name_plural = _("appraisal processes")


class ExitProcess(Process):
    """The viewflow process of one exit case (the case links to it: ExitCase.process)."""

    class Meta:
        proxy = True
        verbose_name = _("exit process")
        verbose_name_plural = _("exit processes")
