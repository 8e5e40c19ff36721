"""Person (identity and sensitive attestations) and Staff (employment at a school)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from hrflow.org.models import Dormitory, Gender, School
from hrflow.core.validators import policy_message
from hrflow.policy import EducationLevel, PolicyInputError, PostCategory, age_on, mask_id_number, parse_id_number


class Education(models.TextChoices):
    PRIMARY = EducationLevel.PRIMARY, _("Primary school")
    JUNIOR_HIGH = EducationLevel.JUNIOR_HIGH, _("Junior high school")
    SENIOR_HIGH = EducationLevel.SENIOR_HIGH, _("Senior high school")
    SECONDARY_VOCATIONAL = EducationLevel.SECONDARY_VOCATIONAL, _("Secondary vocational (中专/职高/技校)")
    ASSOCIATE = EducationLevel.ASSOCIATE, _("Associate degree (大专)")
    BACHELOR = EducationLevel.BACHELOR, _("Bachelor's degree")
    MASTER = EducationLevel.MASTER, _("Master's degree")
    DOCTORATE = EducationLevel.DOCTORATE, _("Doctorate")


class PostCategoryChoices(models.TextChoices):
    CANTEEN = PostCategory.CANTEEN, _("Canteen")
    DORMITORY = PostCategory.DORMITORY, _("Dormitory")
    ENERGY = PostCategory.ENERGY, _("Energy")
    PROPERTY = PostCategory.PROPERTY, _("Property")
    GREENING = PostCategory.GREENING, _("Greening")
    MANAGEMENT = PostCategory.MANAGEMENT, _("Management")
    TECHNICAL = PostCategory.TECHNICAL, _("Technical")


class EmploymentType(models.TextChoices):
    """STAFF-PURCHASE (三(一)2): shortfalls may be filled by government-purchased services."""

    ESTABLISHMENT = "establishment", _("Establishment (编制)")
    CONTRACT = "contract", _("Contract (合同制)")
    DISPATCHED = "dispatched", _("Dispatched (劳务派遣)")
    PURCHASED_SERVICE = "purchased_service", _("Purchased service (政府购买服务)")


# Person fields shown only to HR of a school that currently employs the person (and to the
# person), masked elsewhere. With the ID masked, the birth date would leave two digits to guess.
SENSITIVE_FIELDS = ("id_number", "birth_date")
ATTESTATION_FIELDS = ("criminal_record", "infectious_disease", "mental_illness_history")


class Person(models.Model):
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True,
                                 error_messages={"unique": _("Another person on record has this ID number.")})
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    # Derived from the ID number on save, never typed twice.
    sex = models.CharField(_("sex"), max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    education = models.CharField(_("education"), max_length=32, choices=Education.choices)
    cadre = models.BooleanField(_("cadre status (干部身份)"), default=False)
    user = models.OneToOneField("auth.User", verbose_name=_("login"), null=True, blank=True, on_delete=models.SET_NULL, related_name="person")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name", "id"]
        permissions = [("view_sensitive_person", "Can see ID numbers and birth dates")]

    def __str__(self):
        return self.name

    def clean(self):
        if not self.id_number:
            return  # the form has already said what is wrong with it
        try:
            self.apply_id_number()
        except PolicyInputError as error:
            raise ValidationError({"id_number": policy_message(error)}) from None

    def apply_id_number(self):
        identity = parse_id_number(self.id_number)
        self.id_number = identity.number
        self.birth_date = identity.birth_date
        self.sex = identity.sex

    def save(self, *args, **kwargs):
        self.apply_id_number()
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    def age_on(self, day):
        return age_on(self.birth_date, day)

    @property
    def age(self):
        """Full years today: shown where the ID is masked, instead of the birth date."""
        from django.utils import timezone

        return age_on(self.birth_date, max(self.birth_date, timezone.localdate()))

    @property
    def scope_paths(self):
        """Where the person currently works: only those schools' HR need their identity in full."""
        return [s.school.unit.path for s in self.employments.exclude(status=Staff.Status.LEFT).select_related("school__unit")]


class Staff(ConcurrentTransitionMixin, models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXITING = "exiting", _("Exiting")
        LEFT = "left", _("Left")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="employments")
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="staff")
    post_category = models.CharField(_("post category"), max_length=16, choices=PostCategoryChoices.choices)
    employment_type = models.CharField(_("employment type"), max_length=32, choices=EmploymentType.choices)
    title = models.CharField(_("title or skill level"), max_length=100, blank=True)
    dormitory = models.ForeignKey(Dormitory, verbose_name=_("dormitory"), null=True, blank=True, on_delete=models.PROTECT, related_name="managers")
    food_safety_manager = models.BooleanField(_("food-safety manager (专/兼职)"), default=False)
    hired_on = models.DateField(_("hired on"))
    status = FSMField(_("status"), default=Status.ACTIVE, choices=Status.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["school", "person__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "school"], condition=~Q(status="left"), name="staff_one_current_post_per_school"),
        ]
        indexes = [models.Index(fields=["school", "status", "post_category"])]

    def __str__(self):
        return f"{self.person} · {self.school}"

    def clean(self):
        if self.dormitory_id and self.dormitory.school_id != self.school_id:
            raise ValidationError({"dormitory": _("The dormitory belongs to another school.")})
        if self.dormitory_id and self.post_category != PostCategory.DORMITORY:
            raise ValidationError({"dormitory": _("Only dormitory staff are assigned to a dormitory.")})

    @property
    def scope_path(self):
        return self.school.unit.path

    @property
    def is_current(self):
        return self.status != self.Status.LEFT

    # Transitions change state and nothing else; services add the reason and the user.
    @transition(field=status, source=Status.ACTIVE, target=Status.SUSPENDED)
    def suspend(self):
        pass

    @transition(field=status, source=Status.SUSPENDED, target=Status.ACTIVE)
    def reinstate(self):
        pass

    @transition(field=status, source=[Status.ACTIVE, Status.SUSPENDED], target=Status.EXITING)
    def begin_exit(self):
        pass

    @transition(field=status, source=Status.EXITING, target=Status.ACTIVE)
    def cancel_exit(self):
        pass

    @transition(field=status, source=Status.EXITING, target=Status.LEFT)
    def complete_exit(self):
        pass


class Attestation(models.Model):
    """The attestations of 三(三) (criminal record, infectious disease, mental illness) as one
    school recorded them for one employment.

    They live on the employment, not on the shared Person: a school's HR reads and edits only
    what its own school recorded, and only while the person works there (PIPL arts. 6, 28:
    minimum necessary). Another school's later edits never reach it.
    """

    staff = models.OneToOneField(Staff, verbose_name=_("employment"), on_delete=models.CASCADE, related_name="attestation")
    criminal_record = models.BooleanField(_("criminal record"), default=False)
    infectious_disease = models.BooleanField(_("infectious disease"), default=False)
    mental_illness_history = models.BooleanField(_("history of mental illness"), default=False)
    recorded_on = models.DateField(_("recorded on"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")

    def __str__(self):
        return f"{self.staff.person} · {self.staff.school}"

    @property
    def scope_path(self):
        return self.staff.school.unit.path
