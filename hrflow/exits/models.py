"""Exit cases (人员退出机制): one case ends one employment lawfully, or is rejected or withdrawn and
changes nothing; the protections of 劳动合同法 art. 42 that block a dismissal.

A case's life is its FSM: hearing (陈述申辩) → review (集体研究) → deciding → notice (and handover) →
closed, or rejected / withdrawn. A ground the person initiates skips the hearing and the review by
its nature, not by a shortcut: the service opens it at the deciding step. Transitions change the
state and nothing else; hrflow.exits.services checks the law, adds the user and the reason, moves
the exit process (workflows.flows.ExitFlow) and, on approval and closing, the employment.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from hrflow.contracts.models import Contract
from hrflow.people.models import Staff
from hrflow.policy import exits as policy


class Ground(models.TextChoices):
    RESIGNATION = policy.RESIGNATION, _("Resignation (辞职)")
    NOT_RENEWED = policy.NOT_RENEWED, _("Contract not renewed (合同期满不续订)")
    APPRAISAL = policy.APPRAISAL, _("Appraisal 不合格 (条例 art. 16)")
    VETO = policy.VETO, _("Exit review after a veto (一票否决)")
    NO_FAULT = policy.NO_FAULT, _("Unable to do the job (无过失性辞退, art. 40)")
    FOR_CAUSE = policy.FOR_CAUSE, _("Serious misconduct (过失性辞退, art. 39)")
    RETIREMENT = policy.RETIREMENT, _("Retirement (退休)")
    MUTUAL = policy.MUTUAL, _("Mutual agreement (协商一致)")


class Initiator(models.TextChoices):
    PERSON = policy.PERSON, _("The person")
    SCHOOL = policy.SCHOOL, _("The school")


class ExitCase(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        HEARING = "hearing", _("The person may state their case (陈述申辩)")
        REVIEW = "review", _("Awaiting the collective review (集体研究)")
        DECIDING = "deciding", _("Awaiting the leaders' decision")
        NOTICE = "notice", _("Approved: notice period and handover")
        CLOSED = "closed", _("Closed: the employment has ended")
        REJECTED = "rejected", _("Rejected: the employment continues")
        WITHDRAWN = "withdrawn", _("Withdrawn: the employment continues")
        REVOKED = "revoked", _("Revoked during the notice: the employment continues")

    OPEN = (State.HEARING, State.REVIEW, State.DECIDING, State.NOTICE)
    UNDECIDED = (State.HEARING, State.REVIEW, State.DECIDING)

    staff = models.ForeignKey(Staff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="exit_cases")
    contract = models.ForeignKey(Contract, verbose_name=_("contract"), null=True, blank=True, on_delete=models.PROTECT, related_name="exit_cases")
    ground = models.CharField(_("ground"), max_length=16, choices=Ground.choices)
    # The ground the leaders decided on (a veto's or an appraisal flag's, VETO-EXIT); else the ground.
    legal_ground = models.CharField(_("legal ground decided"), max_length=16, choices=Ground.choices, blank=True)
    initiated_by = models.CharField(_("initiated by"), max_length=8, choices=Initiator.choices)
    evidence = models.TextField(_("grounds and evidence"), max_length=4000)
    source_rule = models.CharField(_("opened by the rule"), max_length=32, blank=True)
    appraisal = models.ForeignKey("appraisal.Appraisal", verbose_name=_("appraisal"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    renewal_case = models.OneToOneField("contracts.RenewalCase", verbose_name=_("renewal decision"), null=True, blank=True, on_delete=models.PROTECT, related_name="exit_case")
    notice_given_on = models.DateField(_("written notice given on"), null=True, blank=True)
    requested_last_day = models.DateField(_("last day asked for"), null=True, blank=True)
    opened_by = models.ForeignKey("auth.User", verbose_name=_("case opened by"), on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField(_("opened on"))
    # 陈述申辩: the person's statement, until the deadline.
    statement_due = models.DateField(_("statement due by"), null=True, blank=True)
    statement = models.TextField(_("the person's statement"), blank=True, max_length=4000)
    statement_at = models.DateTimeField(_("statement made at"), null=True, blank=True)
    # The person's own words are theirs: HR records a written statement only where they made none here.
    statement_by_person = models.BooleanField(_("statement made by the person"), default=False)
    person_agrees = models.BooleanField(_("the person agrees (协商一致)"), null=True, blank=True)
    hearing_note = models.TextField(_("HR's note on the hearing"), blank=True, max_length=2000)
    hearing_closed_on = models.DateField(_("hearing closed on"), null=True, blank=True)
    hearing_closed_at = models.DateTimeField(_("hearing closed at"), null=True, blank=True)
    # 集体研究
    review_held_at = models.DateTimeField(_("review held at"), null=True, blank=True)
    review_place = models.CharField(_("review place"), max_length=200, blank=True)
    review_members = models.TextField(_("review members"), blank=True, max_length=2000)
    review_total = models.PositiveSmallIntegerField(_("members"), null=True, blank=True)
    review_present = models.PositiveSmallIntegerField(_("members present"), null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("against"), null=True, blank=True)
    votes_abstain = models.PositiveSmallIntegerField(_("abstain"), null=True, blank=True)
    review_passed = models.BooleanField(_("the motion passed"), null=True, blank=True)
    review_minutes = models.TextField(_("review minutes"), blank=True, max_length=4000)
    # The leaders' decision
    decided_by = models.ForeignKey("auth.User", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reason = models.TextField(_("the leaders' reasons"), blank=True, max_length=2000)
    # 劳动合同法 art. 43: the union is told the reasons before the school ends a contract unilaterally.
    union_notified_on = models.DateField(_("union notified on"), null=True, blank=True)
    # Notice (LAW-RESIGN-NOTICE, LAW-NOFAULT-NOTICE, INST-EXIT-GRADE)
    notice_days = models.PositiveSmallIntegerField(_("notice (days)"), null=True, blank=True)
    pay_in_lieu = models.BooleanField(_("a month's pay instead of notice"), default=False)
    last_day = models.DateField(_("last day of employment"), null=True, blank=True)
    # Final settlement
    monthly_pay = models.DecimalField(_("monthly pay for severance (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    local_average_pay = models.DecimalField(_("local average monthly pay (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    severance = models.DecimalField(_("severance (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    pay_in_lieu_amount = models.DecimalField(_("pay instead of notice (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    outstanding_pay = models.DecimalField(_("outstanding pay (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    settlement_note = models.TextField(_("settlement remarks"), blank=True, max_length=2000)
    # 劳动合同法 art. 46(5): no severance where the person declined a renewal on the same or better terms.
    renewal_declined = models.BooleanField(_("the person declined a renewal on the same or better terms"), default=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("why withdrawn"), blank=True, max_length=2000)
    process = models.OneToOneField("viewflow.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="exit_case")
    state = FSMField(_("state"), default=State.HEARING, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exit case")
        verbose_name_plural = _("exit cases")
        ordering = ["-id"]
        constraints = [
            # One open case per employment: two officers opening at once cannot both succeed.
            models.UniqueConstraint(fields=["staff"], condition=Q(state__in=["hearing", "review", "deciding", "notice"]),
                                    name="exit_one_open_case_per_staff",
                                    violation_error_message=_("An exit case of this employment is already open.")),
        ]
        indexes = [models.Index(fields=["state", "id"], name="exit_state_id")]

    def __str__(self):
        return _("Exit of %(person)s (%(ground)s)") % {"person": self.staff.person.name, "ground": self.get_ground_display()}

    @property
    def scope_path(self):
        return self.staff.school.unit.path

    @property
    def is_open(self):
        return self.state in self.OPEN

    @property
    def decided_ground(self):
        return self.legal_ground or self.ground

    def needs_hearing(self) -> bool:
        return policy.ground(self.ground).school_initiated and not (self.ground == policy.MUTUAL and self.initiated_by == policy.PERSON)

    def needs_review(self) -> bool:
        return self.needs_hearing()

    @transition(field=state, source=State.HEARING, target=State.REVIEW)
    def close_hearing(self):
        pass

    @transition(field=state, source=State.REVIEW, target=State.DECIDING)
    def record_review(self):
        pass

    @transition(field=state, source=State.DECIDING, target=State.NOTICE)
    def approve(self):
        pass

    @transition(field=state, source=[State.REVIEW, State.DECIDING], target=State.REJECTED)
    def reject(self):
        pass

    @transition(field=state, source=[State.HEARING, State.REVIEW, State.DECIDING], target=State.WITHDRAWN)
    def withdraw(self):
        pass

    @transition(field=state, source=State.NOTICE, target=State.CLOSED)
    def close(self):
        pass

    @transition(field=state, source=State.NOTICE, target=State.REVOKED)
    def revoke(self):
        pass


class HandoverItem(models.Model):
    """One thing to hand over before the last day, with the person who confirms it (its owner)."""

    class Kind(models.TextChoices):
        KEYS = "keys", _("Keys")
        EQUIPMENT = "equipment", _("Equipment and tools")
        ACCOUNTS = "accounts", _("Accounts and passwords")
        DORMITORY = "dormitory", _("Dormitory room")
        DOCUMENTS = "documents", _("Documents and records")
        OTHER = "other", _("Other")

    case = models.ForeignKey(ExitCase, verbose_name=_("exit case"), on_delete=models.PROTECT, related_name="handover_items")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("what"), max_length=200, blank=True)
    owner = models.ForeignKey("auth.User", verbose_name=_("checked by"), on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField(_("handed over on"), null=True, blank=True)
    done_by = models.ForeignKey("auth.User", verbose_name=_("confirmed by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("handover item")
        verbose_name_plural = _("handover items")
        ordering = ["case", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}{' · ' + self.description if self.description else ''}"

    @property
    def scope_path(self):
        return self.case.staff.school.unit.path


class Protection(models.Model):
    """A status that protects the person from a dismissal (劳动合同法 art. 42): health and family data,
    shown to the school's HR and leaders and to the person only."""

    class Kind(models.TextChoices):
        PREGNANCY = policy.PREGNANCY, _("Pregnancy (孕期)")
        MATERNITY = policy.MATERNITY, _("Maternity leave (产期)")
        NURSING = policy.NURSING, _("Nursing period (哺乳期)")
        MEDICAL_PERIOD = policy.MEDICAL_PERIOD, _("Sick leave within the medical period (医疗期)")
        WORK_INJURY = policy.WORK_INJURY, _("Confirmed work injury (工伤)")
        OCCUPATIONAL_DISEASE = policy.OCCUPATIONAL_DISEASE, _("Confirmed occupational disease (职业病)")
        OD_SUSPECTED = policy.OD_SUSPECTED, _("Suspected occupational disease under diagnosis (疑似职业病)")

    staff = models.ForeignKey(Staff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="protections")
    kind = models.CharField(_("status"), max_length=24, choices=Kind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty while it lasts."))
    evidence = models.CharField(_("evidence"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("protected status (art. 42)")
        verbose_name_plural = _("protected statuses (art. 42)")
        ordering = ["staff", "-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="protection_ends_after_start",
                                   violation_error_message=_("A status cannot end before it starts.")),
        ]

    def __str__(self):
        return self.get_kind_display()

    @property
    def scope_path(self):
        return self.staff.school.unit.path
