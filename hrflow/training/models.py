"""Training plans at four levels, their courses and attendance; certificates per person, and the
certificate a technical post requires.

The four-level training system (三(五)): a plan is owned by a province, city, county or school
unit (its level is the unit's kind), annual (年度) or medium- and long-term (中长期).
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hrflow.org.models import OrgUnit
from hrflow.people.models import Person, Staff
from hrflow.policy import certificates as policy

from .validation import certificate_problems, course_problems, plan_problems, text_field_problem

HOURS_MAX = Decimal("999.9")


class TrainingPlan(models.Model):
    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual plan (年度)")
        MEDIUM_TERM = "medium_term", _("Medium- and long-term plan (中长期)")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="training_plans")
    kind = models.CharField(_("plan kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    description = models.TextField(_("description"), blank=True, max_length=5000)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ["-first_year", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(last_year__gte=models.F("first_year")), name="training_plan_years_in_order")]

    def __str__(self):
        return self.title

    @property
    def scope_path(self):
        return self.unit.path

    @property
    def level(self):
        """省/市/县/校: the owning unit's kind."""
        return self.unit.kind

    def get_level_display(self):
        return self.unit.get_kind_display()

    def clean(self):
        problems = plan_problems(kind=self.kind, title=self.title, first_year=self.first_year, last_year=self.last_year,
                                 description=self.description)
        if problems:
            raise ValidationError(problems)

    @property
    def starts(self) -> date:
        return date(self.first_year, 1, 1)

    @property
    def ends(self) -> date:
        return date(self.last_year, 12, 31)


class Course(models.Model):
    class Mode(models.TextChoices):
        ONLINE = "online", _("Online (线上)")
        OFFLINE = "offline", _("Offline (线下)")

    class Category(models.TextChoices):
        # 三(五): the fields of the expert pool, the cadres' regular training, the drills.
        FOOD_SAFETY = "food_safety", _("Food safety")
        DORMITORY = "dormitory", _("Dormitory management")
        PROPERTY = "property", _("Property management")
        GREENING = "greening", _("Greening")
        ENERGY = "energy", _("Energy management")
        LOGISTICS_CADRES = "logistics_cadres", _("Logistics management cadres")
        NEW_PRINCIPALS = "new_principals", _("New principals")
        FOOD_SAFETY_MANAGERS = "food_safety_managers", _("Food-safety managers")
        EMERGENCY_DRILL = "emergency_drill", _("Emergency drill (应急处置演练)")
        SKILLS = "skills", _("Vocational skills")
        OTHER = "other", _("Other")

    class Layer(models.TextChoices):
        MANAGEMENT = "management", _("Management staff (管理人员)")
        FRONTLINE = "frontline", _("Front-line staff (一线员工)")
        NEW_HIRES = "new_hires", _("New hires (新入职)")
        ALL = "all", _("All staff")

    plan = models.ForeignKey(TrainingPlan, verbose_name=_("training plan"), on_delete=models.PROTECT, related_name="courses")
    title = models.CharField(_("title"), max_length=200)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    layer = models.CharField(_("layer"), max_length=16, choices=Layer.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(HOURS_MAX)])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["starts_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="training_course_dates_in_order")]

    def __str__(self):
        return self.title

    @property
    def scope_path(self):
        return self.plan.unit.path

    def clean(self):
        plan = self.plan if self.plan_id else None
        problems = course_problems(title=self.title, starts_on=self.starts_on, ends_on=self.ends_on, hours=self.hours, plan=plan)
        if problems:
            raise ValidationError(problems)


class Attendance(models.Model):
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="attendances")
    staff = models.ForeignKey(Staff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="training_attendances")
    hours = models.DecimalField(_("hours attended"), max_digits=4, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0")), MaxValueValidator(HOURS_MAX)])
    passed = models.BooleanField(_("passed"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["course", "pk"]
        constraints = [models.UniqueConstraint(fields=["course", "staff"], name="training_attendance_once_per_course")]

    def __str__(self):
        return f"{self.staff.person} · {self.course}"

    @property
    def scope_path(self):
        return self.staff.school.unit.path

    def clean(self):
        if self.hours is not None and self.course_id and (not self.hours.is_finite() or self.hours > self.course.hours):
            raise ValidationError({"hours": _("At most the course's %(hours)s hours.") % {"hours": self.course.hours}})


class CertificateKind(models.TextChoices):
    HEALTH = policy.HEALTH, _("Health certificate (健康证明)")
    FOOD_SAFETY_MANAGER = policy.FOOD_SAFETY_MANAGER, _("Food-safety manager certificate (食品安全管理员)")
    ELECTRICIAN = policy.ELECTRICIAN, _("Electrician's certificate (电工证)")
    BOILER_OPERATOR = policy.BOILER_OPERATOR, _("Boiler / pressure vessel operator (锅炉/压力容器操作)")
    SPECIAL_EQUIPMENT = policy.SPECIAL_EQUIPMENT, _("Special equipment operator (特种设备作业)")
    COOK = policy.COOK, _("Chef / cook skill certificate (厨师/烹调)")
    OTHER = policy.OTHER, _("Other (named)")


class Certificate(models.Model):
    """A certificate a person holds. It belongs to the person, whichever school employs them:
    HR of a school that employs the person now records and corrects it."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="certificates")
    kind = models.CharField(_("certificate kind"), max_length=32, choices=CertificateKind.choices)
    name = models.CharField(_("certificate name"), max_length=100, blank=True, help_text=_("Only for a certificate of another kind."))
    number = models.CharField(_("certificate number"), max_length=64)
    issuer = models.CharField(_("issued by"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty when it does not expire."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["person", "kind", "-issued_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "name", "number"], name="training_certificate_unique_number",
                                    violation_error_message=_("This person already has this certificate on record.")),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("issued_on")),
                                   name="training_certificate_valid_after_issue"),
        ]
        indexes = [models.Index(fields=["valid_until", "person"])]

    def __str__(self):
        return f"{self.person} · {self.label}"

    @property
    def label(self):
        return self.name if self.kind == CertificateKind.OTHER and self.name else self.get_kind_display()

    @property
    def scope_paths(self):
        return self.person.scope_paths

    @property
    def scope_path(self):
        """The first school employing the person now ("" when none: no grant covers it)."""
        paths = self.scope_paths
        return paths[0] if paths else ""

    def status(self, as_of, warn_days=policy.DEFAULT_WARN_DAYS):
        return policy.certificate_status(self.valid_until, as_of, warn_days)

    def clean(self):
        self.name = (self.name or "").strip() if self.kind == CertificateKind.OTHER else ""
        self.number, self.issuer = (self.number or "").strip(), (self.issuer or "").strip()
        birth = self.person.birth_date if self.person_id else None
        problems = certificate_problems(kind=self.kind, name=self.name, number=self.number, issuer=self.issuer,
                                        issued_on=self.issued_on, valid_until=self.valid_until, birth_date=birth)
        if problems:
            raise ValidationError(problems)


class RequiredCertificate(models.Model):
    """The certificate a technical staff member's post requires (ELIG-CERT-TECH, 三(三)), as HR
    records it for the employment."""

    staff = models.ForeignKey(Staff, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="required_certificates")
    kind = models.CharField(_("certificate kind"), max_length=32, choices=CertificateKind.choices)
    name = models.CharField(_("certificate name"), max_length=100, blank=True, help_text=_("Only for a certificate of another kind."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("required certificate")
        verbose_name_plural = _("required certificates")
        ordering = ["staff", "kind", "pk"]
        constraints = [models.UniqueConstraint(fields=["staff", "kind", "name"], name="training_required_certificate_once",
                                               violation_error_message=_("This requirement is already recorded."))]

    def __str__(self):
        return f"{self.staff.person} · {self.label}"

    @property
    def label(self):
        return self.name if self.kind == CertificateKind.OTHER and self.name else self.get_kind_display()

    @property
    def scope_path(self):
        return self.staff.school.unit.path

    def clean(self):
        if self.staff_id and self.staff.post_category != "technical":
            raise ValidationError({"kind": _("Only a technical post records the certificate it requires (ELIG-CERT-TECH, 三(三)); "
                                             "canteen staff's health certificate is required by law without recording.")})
        if self.kind == CertificateKind.OTHER:
            self.name = (self.name or "").strip()
            problem = text_field_problem(self.name, 100, required=True)
            if problem:
                raise ValidationError({"name": problem})
        else:
            self.name = ""

