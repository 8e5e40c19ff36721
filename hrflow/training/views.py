"""Training and certificates pages (mounted under /training/ by hrflow/urls.py)."""

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import generic

from hrflow.core import clock
from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.paging import keyset_page
from hrflow.core.xlsx import XLSX_CONTENT_TYPE
from hrflow.org.models import OrgUnit
from hrflow.people.models import Staff

from . import imports, selectors, services
from .forms import (
    AlertFilterForm, AttendanceForm, CertificateEditForm, CertificateForm, CourseEditForm, CourseForm, ImportForm,
    PlanEditForm, PlanFilterForm, PlanForm, RemoveForm, RequirementForm,
)
from .models import Certificate, Course, RequiredCertificate, TrainingPlan
from .rules import managed_units


def _form_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- Plans --------------------------------------------------------------------------------

class PlanListView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "training.view_plan"
    template_name = "training/plan_list.html"
    page_size = 50

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = PlanFilterForm(self.request.GET)
        filters = form.filters()
        qs = selectors.plans_visible_to(user, level=filters["level"], kind=filters["kind"])
        page = keyset_page(qs, order=selectors.PLAN_ORDER, cursor=self.request.GET.get("cursor"), size=self.page_size)
        return super().get_context_data(form=form, page=page, can_add=rules.has_perm("training.add_plan", user, None), **kwargs)


class _PlanMixin:
    def get_plan(self):
        if not hasattr(self, "_plan"):
            self._plan = get_object_or_404(TrainingPlan.objects.select_related("unit"), pk=self.kwargs["pk"])
        return self._plan

    def get_permission_object(self):
        return self.get_plan()


class PlanCreateView(ScopedPermissionMixin, generic.FormView):
    permission_required = "training.add_plan"
    template_name = "training/plan_form.html"
    form_class = PlanForm

    def get_permission_object(self):
        return None

    def get_form_kwargs(self):
        units = OrgUnit.objects.filter(pk__in=managed_units(self.request.user)).order_by("path")
        return {**super().get_form_kwargs(), "units": units}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("New training plan"), **kwargs)

    def form_valid(self, form):
        data = {f: form.cleaned_data[f] for f in ("kind", "title", "first_year", "last_year", "description")}
        try:
            plan = services.plan_create(unit=form.cleaned_data["unit"], data=data, acting_user=self.request.user,
                                        reason=_("Training plan created"))
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Training plan saved."))
        return redirect("training:plan_detail", pk=plan.pk)


class PlanEditView(_PlanMixin, ScopedPermissionMixin, generic.FormView):
    permission_required = "training.change_plan"
    template_name = "training/plan_form.html"
    form_class = PlanEditForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": TrainingPlan.objects.select_related("unit").get(pk=self.get_plan().pk)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Edit training plan"), plan=self.get_plan(), **kwargs)

    def form_valid(self, form):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f != "reason"}
        try:
            services.plan_update(plan=self.get_plan(), data=data, acting_user=self.request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Training plan saved."))
        return redirect("training:plan_detail", pk=self.get_plan().pk)


class PlanDetailView(_PlanMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "training.view_plan"
    template_name = "training/plan_detail.html"

    def get_context_data(self, **kwargs):
        plan = self.get_plan()
        page = keyset_page(selectors.plan_courses(plan), order=selectors.COURSE_ORDER, cursor=self.request.GET.get("cursor"))
        return super().get_context_data(plan=plan, page=page, can_change=rules.has_perm("training.change_plan", self.request.user, plan), **kwargs)


class CourseCreateView(_PlanMixin, ScopedPermissionMixin, generic.FormView):
    permission_required = "training.change_plan"
    template_name = "training/course_form.html"
    form_class = CourseForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Course(plan=self.get_plan())}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("New course"), plan=self.get_plan(), **kwargs)

    def form_valid(self, form):
        try:
            course = services.course_create(plan=self.get_plan(), data=form.cleaned_data, acting_user=self.request.user,
                                            reason=_("Course created"))
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Course saved."))
        return redirect("training:course_detail", pk=course.pk)


# --- Courses and attendance ---------------------------------------------------------------

class _CourseMixin:
    def get_course(self):
        if not hasattr(self, "_course"):
            self._course = get_object_or_404(Course.objects.select_related("plan__unit"), pk=self.kwargs["pk"])
        return self._course

    def get_permission_object(self):
        return self.get_course()


class CourseEditView(_CourseMixin, ScopedPermissionMixin, generic.FormView):
    permission_required = "training.change_plan"
    template_name = "training/course_form.html"
    form_class = CourseEditForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Course.objects.select_related("plan__unit").get(pk=self.get_course().pk)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Edit course"), plan=self.get_course().plan, course=self.get_course(), **kwargs)

    def form_valid(self, form):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f != "reason"}
        try:
            services.course_update(course=self.get_course(), data=data, acting_user=self.request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Course saved."))
        return redirect("training:course_detail", pk=self.get_course().pk)


class CourseDetailView(_CourseMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "training.view_plan"
    template_name = "training/course_detail.html"

    def get_context_data(self, **kwargs):
        course, user = self.get_course(), self.request.user
        page = keyset_page(selectors.course_attendances(course, user), order=selectors.ATTENDANCE_ORDER, cursor=self.request.GET.get("cursor"))
        return super().get_context_data(
            course=course, plan=course.plan, page=page,
            can_change=rules.has_perm("training.change_plan", user, course),
            can_record=rules.has_perm("training.record_attendance", user, course), **kwargs)


class AttendanceAddView(_CourseMixin, ScopedPermissionMixin, generic.FormView):
    permission_required = "training.record_attendance"
    template_name = "training/attendance_form.html"
    form_class = AttendanceForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(course=self.get_course(), **kwargs)

    def form_valid(self, form):
        course = self.get_course()
        staff = selectors.attendance_staff(course, self.request.user, form.cleaned_data["id_number"])
        if staff is None:
            form.add_error("id_number", _("No current staff member of a school in your scope has this ID number."))
            return self.form_invalid(form)
        try:
            _row, outcome = services.attendance_record(course=course, staff=staff, hours=form.cleaned_data["hours"],
                                                       passed=form.cleaned_data["passed"], acting_user=self.request.user,
                                                       reason=_("Attendance recorded"))
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        text = {"created": _("Attendance of %(name)s recorded."), "updated": _("Attendance of %(name)s corrected."),
                "unchanged": _("Attendance of %(name)s was already on record; nothing changed.")}[outcome]
        messages.success(self.request, text % {"name": staff.person.name})
        return redirect("training:course_detail", pk=course.pk)


class _ImportView(ScopedPermissionMixin, generic.FormView):
    template_name = "training/import.html"
    form_class = ImportForm

    def run(self, upload):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(upload_limit=imports.upload_max_bytes(), max_rows=imports.MAX_ROWS, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            result = self.run(upload)
        except imports.ImportRejected as rejected:
            return self.render_to_response(self.get_context_data(form=form, problems=rejected.problems))
        messages.success(self.request, result.message)
        return redirect(self.success_url_for())


class AttendanceImportView(_CourseMixin, _ImportView):
    permission_required = "training.record_attendance"

    def get_context_data(self, **kwargs):
        course = self.get_course()
        return super().get_context_data(title=_("Import attendance"), subject=course.title, course=course,
                                        template_url_name="training:course_attendance_template", template_pk=course.pk, **kwargs)

    def run(self, upload):
        return imports.attendance_import(course=self.get_course(), stream=upload, filename=upload.name, acting_user=self.request.user)

    def success_url_for(self):
        from django.urls import reverse

        return reverse("training:course_detail", kwargs={"pk": self.get_course().pk})


class AttendanceTemplateView(_CourseMixin, ScopedPermissionMixin, generic.View):
    permission_required = "training.record_attendance"

    def get(self, request, *args, **kwargs):
        response = HttpResponse(imports.attendance_template(self.get_course()), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="hrflow-attendance-course-{self.get_course().pk}.xlsx"'
        return response


# --- Certificates -------------------------------------------------------------------------

class _StaffMixin:
    def get_staff(self):
        if not hasattr(self, "_staff"):
            self._staff = get_object_or_404(Staff.objects.select_related("person", "school__unit"), pk=self.kwargs["pk"])
        return self._staff

    def get_permission_object(self):
        return self.get_staff()

    def back(self):
        return redirect("people:staff_detail", pk=self.get_staff().pk)


class CertificateAddView(_StaffMixin, ScopedPermissionMixin, generic.FormView):
    permission_required = "training.manage_staff_certificates"
    template_name = "training/certificate_form.html"
    form_class = CertificateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Certificate(person=self.get_staff().person)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("New certificate"), staff=self.get_staff(), **kwargs)

    def form_valid(self, form):
        data = {f: form.cleaned_data[f] for f in CertificateForm.Meta.fields}
        try:
            services.certificate_add(person=self.get_staff().person, data=data, acting_user=self.request.user, reason=_("Certificate recorded"))
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Certificate saved."))
        return self.back()


class CertificateEditView(ScopedPermissionMixin, generic.FormView):
    permission_required = "training.change_certificate"
    template_name = "training/certificate_form.html"
    form_class = CertificateEditForm

    def get_permission_object(self):
        if not hasattr(self, "_certificate"):
            self._certificate = get_object_or_404(Certificate.objects.select_related("person"), pk=self.kwargs["pk"])
        return self._certificate

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Certificate.objects.select_related("person").get(pk=self.get_permission_object().pk)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Edit certificate"), person=self.get_permission_object().person, **kwargs)

    def form_valid(self, form):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f != "reason"}
        try:
            services.certificate_update(certificate=self.get_permission_object(), data=data, acting_user=self.request.user,
                                        reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Certificate saved."))
        next_staff = selectors.home_staff(self.request.user, self.get_permission_object().person)
        return redirect("people:staff_detail", pk=next_staff.pk) if next_staff else redirect("training:certificate_list")


class RequirementAddView(_StaffMixin, ScopedPermissionMixin, generic.FormView):
    permission_required = "training.manage_staff_certificates"
    template_name = "training/requirement_form.html"
    form_class = RequirementForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": RequiredCertificate(staff=self.get_staff())}

    def get_context_data(self, **kwargs):
        return super().get_context_data(staff=self.get_staff(), **kwargs)

    def form_valid(self, form):
        try:
            services.requirement_add(staff=self.get_staff(), kind=form.cleaned_data["kind"], name=form.cleaned_data["name"],
                                     acting_user=self.request.user, reason=_("Certificate required by the post recorded"))
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Requirement saved."))
        return self.back()


class RequirementRemoveView(ScopedPermissionMixin, generic.FormView):
    permission_required = "training.manage_staff_certificates"
    template_name = "training/requirement_remove.html"
    form_class = RemoveForm

    def get_requirement(self):
        if not hasattr(self, "_requirement"):
            self._requirement = get_object_or_404(RequiredCertificate.objects.select_related("staff__person", "staff__school__unit"),
                                                  pk=self.kwargs["pk"])
        return self._requirement

    def get_permission_object(self):
        return self.get_requirement().staff

    def get_context_data(self, **kwargs):
        return super().get_context_data(requirement=self.get_requirement(), staff=self.get_requirement().staff, **kwargs)

    def form_valid(self, form):
        requirement = self.get_requirement()
        services.requirement_remove(requirement=requirement, acting_user=self.request.user, reason=form.cleaned_data["reason"])
        messages.success(self.request, _("Requirement removed."))
        return redirect("people:staff_detail", pk=requirement.staff_id)


class CertificateListView(ScopedPermissionMixin, generic.TemplateView):
    """Current staff with certificates to act on: unmet requirements, certificates expiring."""

    permission_required = "training.view_certificate_list"
    template_name = "training/certificate_list.html"
    page_size = 50

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = AlertFilterForm(self.request.GET, user=user)
        school = form.school()
        as_of = clock.today()
        qs = selectors.certificate_alerts(user, school=school, as_of=as_of)
        page = keyset_page(qs, order=selectors.ALERT_ORDER, cursor=self.request.GET.get("cursor"), size=self.page_size)
        return super().get_context_data(
            form=form, page=page, school=school, as_of=as_of, rows=selectors.alert_rows(page.rows, as_of=as_of),
            can_import=rules.has_perm("training.import_certificates", user, None), **kwargs)


class CertificateImportView(_ImportView):
    permission_required = "training.import_certificates"

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        schools = selectors.certificate_import_schools(self.request.user)
        return super().get_context_data(title=_("Import certificates"), subject="、".join(s.unit.name for s in schools),
                                        template_url_name="training:certificate_template", **kwargs)

    def run(self, upload):
        return imports.certificates_import(stream=upload, filename=upload.name, acting_user=self.request.user)

    def success_url_for(self):
        from django.urls import reverse

        return reverse("training:certificate_list")


class CertificateTemplateView(ScopedPermissionMixin, generic.View):
    permission_required = "training.import_certificates"

    def get_permission_object(self):
        return None

    def get(self, request, *args, **kwargs):
        if not selectors.certificate_import_schools(request.user).exists():
            raise PermissionDenied
        response = HttpResponse(imports.certificate_template(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="hrflow-certificates.xlsx"'
        return response
