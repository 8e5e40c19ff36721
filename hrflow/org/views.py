from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views import generic

from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.params import object_id

from . import selectors
from .models import OrgUnit, School


class SchoolListView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "org.view_school"
    template_name = "org/school_list.html"

    def get_context_data(self, **kwargs):
        frame = selectors.staffing_rollup(self.request.user)
        return super().get_context_data(schools=frame.to_dict("records"), **kwargs)


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
            multiple_employments=selectors.multiple_employments(school),
            categories=selectors.staff_by_category(school),
            dormitories=dormitories,
            **kwargs,
        )


class ComplianceView(ScopedPermissionMixin, generic.TemplateView):
    """Staffing compliance (三(一)2) rolled up per city and county, with every school listed."""

    permission_required = "org.view_compliance"
    template_name = "org/compliance.html"

    def get_context_data(self, **kwargs):
        units = selectors.units_visible_to(self.request.user).exclude(kind=OrgUnit.Kind.SCHOOL)
        under = None
        if self.request.GET.get("unit"):
            wanted = object_id(self.request.GET["unit"])
            if wanted is None:
                raise Http404
            under = get_object_or_404(units, pk=wanted)
        frame = selectors.staffing_rollup(self.request.user, under=under)
        context = {"units": units, "under": under, "schools": [], "cities": [], "counties": []}
        if not frame.empty:
            context.update(
                schools=frame.to_dict("records"),
                cities=selectors.rollup_by(frame, "city").to_dict("records"),
                counties=selectors.rollup_by(frame, "county").to_dict("records"),
                totals={
                    "schools": len(frame),
                    "hard": int((frame["hard_failures"] > 0).sum()),
                    "soft": int((frame["soft_failures"] > 0).sum()),
                },
            )
        return super().get_context_data(**context, **kwargs)
