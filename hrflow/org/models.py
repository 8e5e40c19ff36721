"""The province → city (市州) → county (区县) → school tree, and who holds which role where."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hrflow.policy import SchoolLevel


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class OrgUnit(models.Model):
    """A node of the tree. `path` is the chain of codes from the root ("51/5101/510104/"),
    so a scope is one indexed prefix match instead of a recursive query."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City (市州)")
        COUNTY = "county", _("County (区县)")
        SCHOOL = "school", _("School")

    PARENT_KIND = {Kind.CITY: Kind.PROVINCE, Kind.COUNTY: Kind.CITY, Kind.SCHOOL: Kind.COUNTY}

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=32, unique=True, help_text=_("Administrative division code or school code."))
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self):
        return self.name

    def clean(self):
        expected = self.PARENT_KIND.get(self.kind)
        if expected is None and self.parent_id:
            raise ValidationError({"parent": _("A province has no parent.")})
        if expected is not None and (self.parent is None or self.parent.kind != expected):
            raise ValidationError({"parent": _("The parent of a %(kind)s must be a %(parent)s.") % {
                "kind": self.get_kind_display(), "parent": self.Kind(expected).label}})

    def save(self, *args, **kwargs):
        # The path is fixed at creation; moving a unit would re-scope every user and record below it.
        if not self.path:
            self.path = self.compute_path(self.parent, self.code)
        super().save(*args, **kwargs)

    @staticmethod
    def compute_path(parent, code):
        return f"{parent.path if parent else ''}{code}/"

    def ancestors(self):
        codes = self.path.strip("/").split("/")[:-1]
        by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]


class School(models.Model):
    unit = models.OneToOneField(OrgUnit, verbose_name=_("organisational unit"), on_delete=models.PROTECT, related_name="school", limit_choices_to={"kind": OrgUnit.Kind.SCHOOL})
    level = models.CharField(_("level"), max_length=16, choices=[
        (SchoolLevel.PRIMARY, _("Primary")),
        (SchoolLevel.SECONDARY, _("Secondary")),
        (SchoolLevel.HIGHER, _("Higher education")),
    ])
    diners = models.PositiveIntegerField(_("diners"), default=0, help_text=_("People who eat in the school canteen (三(一)2)."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["unit__path"]

    def __str__(self):
        return self.unit.name

    @property
    def name(self):
        return self.unit.name

    @property
    def scope_path(self):
        return self.unit.path


class Dormitory(models.Model):
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="dormitories")
    name = models.CharField(_("name"), max_length=100)
    residents_gender = models.CharField(_("residents' gender"), max_length=1, choices=Gender.choices)
    boarders = models.PositiveIntegerField(_("boarders"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dormitory")
        verbose_name_plural = _("dormitories")
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="dormitory_unique_name_per_school")]

    def __str__(self):
        return f"{self.school} · {self.name}"

    @property
    def scope_path(self):
        return self.school.unit.path


class Role(models.TextChoices):
    HR_OFFICER = "hr_officer", _("HR officer")
    SCHOOL_LEADER = "school_leader", _("School leader")
    STAFF = "staff", _("Staff member")
    AUDITOR = "auditor", _("Auditor")
    BUREAU_OFFICER = "bureau_officer", _("Bureau officer")


# Roles that act inside one school; the others may sit at any node above.
SCHOOL_ROLES = {Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.STAFF}


class RoleAssignment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("scope"), on_delete=models.PROTECT, related_name="role_assignments")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role"]
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="role_assignment_unique")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit}"

    def clean(self):
        if self.role in SCHOOL_ROLES and self.unit_id and self.unit.kind != OrgUnit.Kind.SCHOOL:
            raise ValidationError({"unit": _("This role is held in a school.")})
        if self.role == Role.BUREAU_OFFICER and self.unit_id and self.unit.kind == OrgUnit.Kind.SCHOOL:
            raise ValidationError({"unit": _("A bureau officer is scoped to a province, city or county.")})

    @property
    def scope_path(self):
        return self.unit.path
