"""Contracts (聘期管理): one contract per staff member and term, its renewal, and dispatch agreements.

A contract's life is its FSM: draft → signed → in probation → active → expiring → renewed / ended.
Transitions change the state and nothing else; hrflow.contracts.services checks the law, adds the
user and the reason, and moves the renewal process (workflows.flows.RenewalFlow).
"""

from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from hrflow.people.models import Staff
from hrflow.policy import INSTITUTIONAL, LABOUR, probation_end, term_end


class Contract(ConcurrentTransitionMixin, models.Model):
    class Kind(models.TextChoices):
        INSTITUTIONAL = INSTITUTIONAL, _("Institutional contract (聘用合同)")
        LABOUR = LABOUR, _("Labour contract (劳动合同)")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed, not yet started")
        PROBATION = "probation", _("In probation")
        ACTIVE = "active", _("In force")
        EXPIRING = "expiring", _("Ending soon")
        RENEWED = "renewed", _("Renewed")
        ENDED = "ended", _("Ended")

    class TermGrade(models.TextChoices):
        # 聘期考核: the term's evaluation, which the renewal reads.
        PASS = "pass", _("Passed (合格)")
        FAIL = "fail", _("Failed (不合格)")

    RUNNING = (State.PROBATION, State.ACTIVE, State.EXPIRING)

    staff = models.ForeignKey(Staff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="contracts")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    post = models.CharField(_("post"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts on"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True, help_text=_("Empty for an open-ended contract."))
    ends_on = models.DateField(_("ends on"), null=True, blank=True, help_text=_("Empty for an open-ended contract."))
    task_based = models.BooleanField(_("for a given task (以完成一定工作任务为期限)"), default=False)
    first_employment = models.BooleanField(_("first employment (初次就业)"), default=False)
    probation_months = models.PositiveSmallIntegerField(_("probation (months)"), default=0)
    # Stored (not derived) so the daily job finds the probations that end with one indexed range scan.
    probation_ends_on = models.DateField(_("probation ends on"), null=True, blank=True)
    agreed_pay = models.DecimalField(_("agreed monthly pay (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    probation_pay = models.DecimalField(_("monthly pay in probation (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    evaluation_method = models.TextField(_("term evaluation method (聘期考核办法)"), blank=True, max_length=2000)
    term_grade = models.CharField(_("term evaluation (聘期考核)"), max_length=8, choices=TermGrade.choices, blank=True)
    term_grade_note = models.TextField(_("term evaluation remarks"), blank=True, max_length=2000)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    confirmed_on = models.DateField(_("probation passed on (转正)"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("why it ended"), blank=True, max_length=2000)
    renews = models.OneToOneField("self", verbose_name=_("renews"), null=True, blank=True, on_delete=models.PROTECT, related_name="renewal")
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-starts_on", "id"]
        indexes = [
            # The daily job's scans: fixed terms by end date, probations, contracts waiting to start.
            models.Index(fields=["state", "ends_on"], name="contract_state_ends"),
            models.Index(fields=["state", "starts_on"], name="contract_state_starts"),
            models.Index(fields=["state", "probation_ends_on"], name="contract_state_probation"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="contract_ends_after_start",
                                   violation_error_message=_("A contract cannot end before it starts.")),
        ]

    def __str__(self):
        return _("%(kind)s of %(person)s from %(start)s") % {
            "kind": self.get_kind_display(), "person": self.staff.person.name, "start": date_format(self.starts_on, "DATE_FORMAT")}

    @property
    def scope_path(self):
        return self.staff.school.unit.path

    @property
    def open_ended(self):
        return self.term_months is None and not self.task_based

    def set_dates(self):
        """The end of the term and of the probation, from the start and the months."""
        self.ends_on = term_end(self.starts_on, self.term_months)
        self.probation_ends_on = probation_end(self.starts_on, self.probation_months)

    @transition(field=state, source=State.DRAFT, target=State.SIGNED)
    def sign(self):
        pass

    @transition(field=state, source=State.SIGNED, target=State.PROBATION)
    def begin_probation(self):
        pass

    @transition(field=state, source=State.SIGNED, target=State.ACTIVE)
    def begin(self):
        pass

    @transition(field=state, source=State.PROBATION, target=State.ACTIVE)
    def confirm(self):
        pass

    @transition(field=state, source=[State.PROBATION, State.ACTIVE], target=State.EXPIRING)
    def approach_end(self):
        pass

    @transition(field=state, source=State.EXPIRING, target=State.RENEWED)
    def renew(self):
        pass

    @transition(field=state, source=[State.DRAFT, State.SIGNED, State.PROBATION, State.ACTIVE, State.EXPIRING], target=State.ENDED)
    def end(self):
        pass


class DispatchAgreement(models.Model):
    """A dispatched worker's placement (劳务派遣): their labour contract is with the agency, the school
    records the agency and the dispatch agreement's period instead of a contract of its own
    (LAW-DISPATCH: only temporary, auxiliary or substitute posts, 劳动合同法 art. 66)."""

    class PostNature(models.TextChoices):
        TEMPORARY = "temporary", _("Temporary (临时性)")
        AUXILIARY = "auxiliary", _("Auxiliary (辅助性)")
        SUBSTITUTE = "substitute", _("Substitute (替代性)")

    staff = models.ForeignKey(Staff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="dispatch_agreements")
    agency = models.CharField(_("dispatch agency (劳务派遣单位)"), max_length=200)
    agency_code = models.CharField(_("agency's unified social credit code"), max_length=18, blank=True)
    post_nature = models.CharField(_("nature of the post"), max_length=16, choices=PostNature.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dispatch agreement")
        verbose_name_plural = _("dispatch agreements")
        ordering = ["-starts_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="dispatch_ends_after_start",
                                                     violation_error_message=_("The agreement cannot end before it starts."))]
        indexes = [models.Index(fields=["ends_on"], name="dispatch_ends")]

    def __str__(self):
        return _("%(person)s, dispatched by %(agency)s") % {"person": self.staff.person.name, "agency": self.agency}

    @property
    def scope_path(self):
        return self.staff.school.unit.path


class RenewalCase(ConcurrentTransitionMixin, models.Model):
    """HR's proposal to renew a contract or not, and a leader's decision (the renewal process's record).

    At most one case is open per contract; a returned proposal is revised in the same case.
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting the leader's decision")
        RETURNED = "returned", _("Returned to HR for revision")
        APPROVED = "approved", _("Approved")

    contract = models.OneToOneField(Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="renewal_case")
    renew = models.BooleanField(_("renew"))
    new_term_months = models.PositiveSmallIntegerField(_("new term (months)"), null=True, blank=True, help_text=_("Empty for an open-ended contract."))
    term_grade = models.CharField(_("term evaluation cited"), max_length=8, choices=Contract.TermGrade.choices, blank=True)
    open_ended_due = models.TextField(_("open-ended contract due because"), blank=True)
    person_asked_fixed_term = models.BooleanField(_("the person asked for a fixed term (劳动合同法 art. 14)"), default=False)
    reason = models.TextField(_("HR's reasons"), max_length=2000)
    decision_reason = models.TextField(_("leader's reasons"), blank=True, max_length=2000)
    proposed_by = models.ForeignKey("auth.User", verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey("auth.User", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    new_contract = models.OneToOneField(Contract, verbose_name=_("new contract"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    process = models.OneToOneField("viewflow.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewal_case")
    state = FSMField(_("state"), default=State.PROPOSED, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        ordering = ["-id"]

    def __str__(self):
        return _("Renewal of %(contract)s") % {"contract": self.contract}

    @property
    def scope_path(self):
        return self.contract.staff.school.unit.path

    @transition(field=state, source=State.PROPOSED, target=State.APPROVED)
    def approve(self):
        pass

    @transition(field=state, source=State.PROPOSED, target=State.RETURNED)
    def return_to_hr(self):
        pass

    @transition(field=state, source=State.RETURNED, target=State.PROPOSED)
    def resubmit(self):
        pass
