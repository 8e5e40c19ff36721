"""The staff of a school or a bureau's schools in the roster template, as an export job: the file
comes back through the import, where corrections show as from → to in the preview.

ID numbers are written in full: the export is for the officers who may import the roster for
those schools (HR of the school, or the bureau's officer), who need them to match the rows; the
job row records who exported what and when.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hrflow.contracts.models import Contract, DispatchAgreement
from hrflow.core import clock
from hrflow.exports.registry import ExportKind, register
from hrflow.org.models import OrgUnit
from hrflow.people.models import Staff
from hrflow.training.models import Certificate, CertificateKind

from .columns import (
    CATEGORY_VALUES, CERTIFICATE_WORDS, CONTRACT_SHEET, EDUCATION_WORDS, EMPLOYMENT_VALUES, KIND_VALUES, NATURE_VALUES, STAFF_SHEET, contract_columns, label_of,
    staff_columns,
)
from .template import Layout

CHUNK = 2000


def _yes(flag) -> str:
    return "是" if flag else "否"


class StaffRosterExport(ExportKind):
    key = "staff_roster"
    title = gettext_lazy("Staff roster")

    def allowed(self, user):
        from .services import import_units

        return bool(import_units(user))

    def clean(self, user, params):
        from .services import import_units

        unit_id = params.get("unit")
        unit = next((u for u in import_units(user) if u.pk == unit_id), None) if isinstance(unit_id, int) and not isinstance(unit_id, bool) else None
        if unit is None:
            raise ValidationError(_("Choose a school or an area you import staff for."))
        return {"unit": unit.pk, "unit_name": unit.name}

    def describe(self, params):
        return _("%(title)s · %(area)s") % {"title": self.title, "area": params.get("unit_name", "")}

    def setup_sheet(self, writer, sheet, title, params):
        unit = OrgUnit.objects.filter(pk=params["unit"]).first()
        if unit is not None:
            Layout(unit).setup(writer, sheet, title)

    def finish(self, writer, params):
        unit = OrgUnit.objects.filter(pk=params["unit"]).first()
        if unit is not None:
            Layout(unit).finish(writer)

    def _unit(self, user, params):
        from .services import may_import

        unit = OrgUnit.objects.filter(pk=params["unit"]).first()
        if unit is None or not may_import(user, unit):
            return None
        return unit

    def estimate(self, user, params):
        unit = self._unit(user, params)
        return self._staff(unit).count() if unit else 0

    @staticmethod
    def _staff(unit):
        return Staff.objects.filter(school__unit__path__startswith=unit.path).exclude(status=Staff.Status.LEFT)

    def sheets(self, user, params):
        from django.core.exceptions import PermissionDenied

        unit = self._unit(user, params)
        if unit is None:  # scope changed since the request
            raise PermissionDenied
        bureau = unit.kind != OrgUnit.Kind.SCHOOL
        yield STAFF_SHEET, [h for h, _f in staff_columns(bureau)], self._staff_rows(unit, bureau)
        yield CONTRACT_SHEET, [h for h, _f in contract_columns(bureau)], self._contract_rows(unit, bureau)

    def _staff_rows(self, unit, bureau):
        categories, types = label_of(CATEGORY_VALUES), label_of(EMPLOYMENT_VALUES)
        qs = self._staff(unit).order_by("pk").values_list(
            "pk", "school__unit__name", "person_id", "person__name", "person__id_number", "person__sex", "person__education",
            "person__cadre", "person__phone", "post_category", "title", "employment_type", "hired_on", "dormitory__name",
            "food_safety_manager")
        for rows in _pages(qs):
            held = {}
            for person_id, kind in Certificate.objects.filter(person_id__in={r[2] for r in rows}).exclude(
                    kind=CertificateKind.OTHER).values_list("person_id", "kind").distinct():
                held.setdefault(person_id, []).append(CERTIFICATE_WORDS.get(kind, kind))
            for (_pk, school, person_id, name, id_number, sex, education, cadre, phone, category, title, employment, hired_on,
                 dormitory, food) in rows:
                line = [name, id_number, "男" if sex == "M" else "女", EDUCATION_WORDS.get(education, education), _yes(cadre), phone,
                        categories.get(category, category), title, types.get(employment, employment), hired_on, dormitory or "",
                        _yes(food), "，".join(sorted(held.get(person_id, [])))]
                yield [school, *line] if bureau else line

    def _contract_rows(self, unit, bureau):
        kinds, natures = label_of(KIND_VALUES), label_of(NATURE_VALUES)
        today = clock.today()
        contracts = Contract.objects.filter(staff__school__unit__path__startswith=unit.path, state__in=(
            Contract.State.SIGNED, Contract.State.PROBATION, Contract.State.ACTIVE, Contract.State.EXPIRING)).order_by("pk").values_list(
            "pk", "staff__school__unit__name", "staff__person__name", "staff__person__id_number", "kind", "starts_on", "ends_on",
            "probation_months", "agreed_pay", "probation_pay")
        for row in _chunked(contracts):
            _pk, school, name, id_number, kind, starts, ends, probation, pay, probation_pay = row
            line = [name, id_number, kinds.get(kind, kind), starts, ends, probation, pay, probation_pay if probation else None, "", ""]
            yield [school, *line] if bureau else line
        agreements = DispatchAgreement.objects.filter(staff__school__unit__path__startswith=unit.path, ends_on__gte=today).exclude(
            staff__status=Staff.Status.LEFT).order_by("pk").values_list(
            "pk", "staff__school__unit__name", "staff__person__name", "staff__person__id_number", "agency", "post_nature",
            "starts_on", "ends_on")
        for row in _chunked(agreements):
            _pk, school, name, id_number, agency, nature, starts, ends = row
            line = [name, id_number, "派遣协议", starts, ends, None, None, None, agency, natures.get(nature, nature)]
            yield [school, *line] if bureau else line


def _pages(qs):
    """Lists of rows of `qs` (ordered by pk, pk first), CHUNK at a time by keyset."""
    last = 0
    while rows := list(qs.filter(pk__gt=last)[:CHUNK]):
        last = rows[-1][0]
        yield rows


def _chunked(qs):
    for rows in _pages(qs):
        yield from rows


register(StaffRosterExport())
