"""Staffing compliance of every school below an area, as an export job (a province is 5,000
schools: the page shows the roll-up, the file the schools)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from hrflow.exports.registry import ExportKind, register
from hrflow.org.models import OrgUnit, School
from hrflow.org.predicates import oversees
from hrflow.org.selectors import schools_visible_to, scope_root, units_visible_to

from .selectors import iter_school_figures

# The school level's words are the model's own choices.
LEVELS = dict(School._meta.get_field("level").flatchoices)


class SchoolComplianceExport(ExportKind):
    key = "org_compliance"  # the key stored on export jobs since the export lived in hrflow.org
    title = gettext_lazy("Staffing compliance by school")

    def allowed(self, user):
        return oversees(user)

    def clean(self, user, params):
        """{"unit": id of a city, county or province in scope, or None for the whole scope}."""
        unit_id = params.get("unit")
        if unit_id is None:
            return {"unit": None, "unit_name": ""}
        if isinstance(unit_id, bool) or not isinstance(unit_id, int):
            raise ValidationError(_("Choose an area of your scope."))
        unit = units_visible_to(user).exclude(kind=OrgUnit.Kind.SCHOOL).filter(pk=unit_id).first()
        root = scope_root(user)
        if unit is None and root is not None and root.pk == unit_id:
            unit = root  # above several grants: the compliance page's top, its schools still the scope
        if unit is None:
            raise ValidationError(_("Choose an area of your scope."))
        return {"unit": unit.pk, "unit_name": unit.name}

    def describe(self, params):
        if params.get("unit_name"):
            return _("%(title)s · %(area)s") % {"title": self.title, "area": params["unit_name"]}
        return str(self.title)

    def estimate(self, user, params):
        return self._schools(user, params).count()

    def sheets(self, user, params):
        headers = [
            pgettext("export column", "City"), pgettext("export column", "County"), pgettext("export column", "School"),
            pgettext("export column", "School code"), pgettext("export column", "Level"), pgettext("export column", "Diners"),
            pgettext("export column", "Canteen staff"), pgettext("export column", "Canteen staff required"),
            pgettext("export column", "Boarders"), pgettext("export column", "Dormitory staff"),
            pgettext("export column", "Dormitory staff required"), pgettext("export column", "Food-safety managers"),
            pgettext("export column", "Dormitories with managers not of the residents' gender"),
            pgettext("export column", "Girls' dormitories with a male manager"),
            pgettext("export column", "Persons also employed at another school"),
            pgettext("export column", "Hard rules failing"), pgettext("export column", "Soft rules failing"),
            pgettext("export column", "Workforce (establishment, contract, dispatched)"),
            pgettext("export column", "Dispatched staff"), pgettext("export column", "Dispatched share (%)"),
            pgettext("export column", "Dispatched above 10% (LAW-DISPATCH)"),
        ]
        yield _("Schools"), headers, self._rows(user, params)

    def _rows(self, user, params):
        for s in iter_school_figures(self._schools(user, params)):
            yield [
                s["city"], s["county"], s["name"], s["code"], str(LEVELS.get(s["level"], s["level"])), s["diners"],
                s["canteen_staff"], s["required_canteen"], s["boarders"], s["dormitory_staff"], s["required_dormitory"],
                s["food_safety_managers"], s["dorms_gender_mismatch"], s["dorms_male_in_female"], s["multiple_employments"],
                s["hard_failures"], s["soft_failures"],
                s["workforce"], s["dispatched"], _percent(s["dispatch_share"]), pgettext("export value", "yes") if not s["dispatch_ok"] else pgettext("export value", "no"),
            ]

    @staticmethod
    def _schools(user, params):
        """The user's schools below the area, read again when the job runs (scope may have changed)."""
        schools = schools_visible_to(user)
        if params.get("unit") is None:
            return schools
        unit = OrgUnit.objects.filter(pk=params["unit"]).first()
        return schools.filter(unit__path__startswith=unit.path) if unit is not None else schools.none()


def _percent(share) -> float | str:
    """A share as a number of per cent with one decimal (Excel sorts it); empty without staff."""
    return "" if share is None or share != share else round(float(share) * 100, 1)


register(SchoolComplianceExport())
