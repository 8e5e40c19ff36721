"""The Schools area's pages (org's URL names, mounted by hrflow/urls.py): the school list, a
school's page, the staffing compliance roll-up and its export. Each runs a fixed number of
queries whatever the size of the scope:
lists are keyset pages of 50 (hrflow.core.paging), staffing figures are computed for the rows
shown, and the compliance roll-up of a province or city is cached by its data version."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.paging import keyset_page
from hrflow.core.params import object_id
from hrflow.exports.services import start_export_response

from hrflow.org import selectors as org_selectors
from hrflow.org.choosers import SchoolChooserField
from hrflow.org.models import OrgUnit, School

from . import selectors

PAGE_SIZE = 50


class SchoolFilterForm(forms.Form):
    """Name or code, and a city or county of the scope. A province has some 200 of them: their
    options are written here in one pass (Django's Select widget, a template per option, took
    30 ms for as many)."""

    q = forms.CharField(label=gettext_lazy("Name or code"), required=False, max_length=org_selectors.SEARCH_MAX_CHARS)
    unit = forms.TypedChoiceField(label=gettext_lazy("City or county"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.paths = {pk: path for pk, _kind, _name, _city, path in units}
        groups = {}
        for pk, kind, name, city, _path in units:
            if kind == OrgUnit.Kind.CITY:
                groups.setdefault(pk, (name, []))[1].append((pk, _("%(city)s (whole city)") % {"city": name}))
            else:
                groups.setdefault(city, (city, []))[1].append((pk, name))
        self.unit_groups = list(groups.values())
        self.fields["unit"].choices = [("", ""), *((str(pk), label) for _group, options in self.unit_groups for pk, label in options)]

    def unit_options(self):
        selected = self.cleaned_data.get("unit") if self.is_valid() else None
        return format_html_join("", "<optgroup label=\"{}\">{}</optgroup>", (
            (group, format_html_join("", "<option value=\"{}\"{}>{}</option>", (
                (pk, mark_safe(" selected") if pk == selected else "", label) for pk, label in options
            )))
            for group, options in self.unit_groups
        ))

    def filter(self, schools):
        q, unit = self.cleaned_data["q"].strip(), self.cleaned_data["unit"]
        if q:
            schools = org_selectors.matching(schools, q)
        if unit is not None:
            schools = schools.filter(unit__path__startswith=self.paths[unit])
        return schools


class SchoolListView(ScopedPermissionMixin, generic.TemplateView):
    """Schools in scope, 50 a page in tree order, with the staffing figures of the page's schools."""

    permission_required = "org.view_school"
    template_name = "org/school_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = SchoolFilterForm(self.request.GET, units=org_selectors.filter_units(user))
        page = rows = None
        if form.is_valid():
            page = keyset_page(form.filter(org_selectors.schools_visible_to(user)), order=org_selectors.SCHOOL_ORDER,
                               cursor=self.request.GET.get("cursor"), size=PAGE_SIZE)
            rows = school_rows(page.rows)
        return super().get_context_data(form=form, page=page, schools=rows, **kwargs)


def school_rows(schools: list[School]) -> list[dict]:
    frame = selectors.with_figures(selectors.school_frame(schools), [s.pk for s in schools])
    return frame.to_dict("records")


class SchoolDetailView(ScopedPermissionMixin, generic.DetailView):
    permission_required = "org.view_school"
    template_name = "org/school_detail.html"
    context_object_name = "school"

    def get_queryset(self):
        return School.objects.select_related("unit", "unit__parent", "unit__parent__parent")

    def get_context_data(self, **kwargs):
        school = self.object
        dormitories = school.dormitories.annotate(
            managers_m=Count("managers", filter=Q(managers__status__in=selectors.IN_POST, managers__person__sex="M")),
            managers_f=Count("managers", filter=Q(managers__status__in=selectors.IN_POST, managers__person__sex="F")),
        ).order_by("name")
        return super().get_context_data(
            lines=selectors.school_staffing_lines(school),
            dispatch=selectors.school_dispatch_line(school),
            multiple_employments=selectors.multiple_employments(school),
            categories=selectors.staff_by_category(school),
            dormitories=dormitories,
            **kwargs,
        )


class SchoolPickForm(forms.Form):
    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = SchoolChooserField(label=gettext_lazy("Go to a school"), required=False, schools=schools)


def compliance_area(request) -> tuple[OrgUnit | None, OrgUnit | None]:
    """(the unit the page shows, the root of the user's scope). `unit` picks a city or county in
    scope; one outside it is a 403, anything else a 404."""
    root = org_selectors.scope_root(request.user)
    wanted = request.GET.get("unit") or request.POST.get("unit")
    if not wanted:
        return root, root
    pk = object_id(wanted)
    if pk is None:
        raise Http404
    if root is not None and pk == root.pk:
        return root, root
    unit = org_selectors.units_visible_to(request.user).exclude(kind=OrgUnit.Kind.SCHOOL).filter(pk=pk).first()
    if unit is None:
        # A unit outside the user's scope is refused as such (403), like a school's page; only a
        # number that names no city or county at all is "not found".
        if OrgUnit.objects.filter(pk=pk).exclude(kind=OrgUnit.Kind.SCHOOL).exists():
            raise PermissionDenied
        raise Http404
    return unit, root


class ComplianceView(ScopedPermissionMixin, generic.TemplateView):
    """Staffing compliance (三(一)2) from the top of the user's scope down: a province by city, a
    city by county, a county as its schools (50 a page). The full list of schools is an export."""

    permission_required = "org.view_compliance"
    template_name = "org/compliance.html"

    def get(self, request, *args, **kwargs):
        self.pick = SchoolPickForm(request.GET if "school" in request.GET or "school_label" in request.GET else None,
                                   schools=org_selectors.schools_visible_to(request.user))
        if self.pick.is_bound and self.pick.is_valid() and self.pick.cleaned_data["school"]:
            return redirect("org:school_detail", pk=self.pick.cleaned_data["school"].pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        under, root = compliance_area(self.request)
        context = {"under": under, "pick": self.pick, "trail": trail(under, root), "page": None, "schools": None, "rows": None}
        if under is None or under.kind in (OrgUnit.Kind.PROVINCE, OrgUnit.Kind.CITY):
            context["level"] = "county" if under is not None and under.kind == OrgUnit.Kind.CITY else "city"
            rollup = selectors.compliance_rollup(user, under=under, level=context["level"])
            context.update(rows=rollup["rows"], totals=rollup["totals"])
        else:
            context["level"] = "school"
            context["totals"] = selectors.compliance_rollup(user, under=under, level="county")["totals"]
            schools = org_selectors.schools_visible_to(user).filter(unit__path__startswith=under.path)
            page = keyset_page(schools, order=org_selectors.SCHOOL_ORDER, cursor=self.request.GET.get("cursor"), size=PAGE_SIZE)
            context.update(page=page, schools=school_rows(page.rows))
        return super().get_context_data(**context, **kwargs)


def trail(under, root) -> list[OrgUnit]:
    """The units from the root of the user's scope down to the one shown (one query)."""
    if under is None:
        return []
    return [unit for unit in under.ancestors() if root is not None and unit.path.startswith(root.path)] + [under]


class ComplianceExportView(ScopedPermissionMixin, generic.View):
    """Starts the export of every school's compliance below the area shown (a job: a province is
    5,000 schools)."""

    permission_required = "org.view_compliance"
    http_method_names = ["post"]

    def get_permission_object(self):
        return None

    def post(self, request, *args, **kwargs):
        under, _root = compliance_area(request)
        back = reverse("org:compliance") + (f"?unit={under.pk}" if under else "")
        return start_export_response(request, kind="org_compliance", params={"unit": under.pk if under else None}, back=back)
