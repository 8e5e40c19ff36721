"""Contracts (聘期): the draft a hire creates; later issues manage terms, renewal and expiry."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from hrflow.people.models import Staff
from hrflow.policy import INSTITUTIONAL, LABOUR


class Contract(ConcurrentTransitionMixin, models.Model):
    class Kind(models.TextChoices):
        INSTITUTIONAL = INSTITUTIONAL, _("Institutional contract (聘用合同)")
        LABOUR = LABOUR, _("Labour contract (劳动合同)")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    staff = models.ForeignKey(Staff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="contracts")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    starts_on = models.DateField(_("starts on"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True, help_text=_("Empty for an open-ended contract."))
    probation_months = models.PositiveSmallIntegerField(_("probation (months)"), default=0)
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-starts_on", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.staff}"

    @property
    def scope_path(self):
        return self.staff.school.unit.path

    @transition(field=state, source=State.DRAFT, target=State.SIGNED)
    def sign(self):
        pass
