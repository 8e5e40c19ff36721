import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django_fsm import ConcurrentTransition, can_proceed

from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.org import scope
from hrflow.org.models import Role, School
from hrflow.org.selectors import schools_visible_to

from . import selectors, services
from .forms import PersonForm, ReasonForm, StaffForm
from .models import PostCategoryChoices, Staff

TRANSITION_LABELS = {
    "suspend": gettext_lazy("Suspend"),
    "reinstate": gettext_lazy("Reinstate"),
    "begin_exit": gettext_lazy("Begin exit"),
    "cancel_exit": gettext_lazy("Cancel exit"),
    "complete_exit": gettext_lazy("Complete exit"),
}


def _label(name):
    return str(TRANSITION_LABELS[name])


class StaffListView(ScopedPermissionMixin, generic.ListView):
    permission_required = "people.view_staff"
    template_name = "people/staff_list.html"
    paginate_by = 50

    def get_permission_object(self):
        return None

    def get_queryset(self):
        g = self.request.GET
        return selectors.staff_list(
            user=self.request.user,
            school_id=g.get("school") or None,
            category=g.get("category") or None,
            status=g.get("status") or None,
            search=g.get("q") or None,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            sensitive_schools=selectors.sensitive_school_ids(self.request.user),
            schools=schools_visible_to(self.request.user),
            categories=PostCategoryChoices.choices,
            statuses=Staff.Status.choices,
            can_add=scope.has_role(self.request.user, Role.HR_OFFICER),
            query=self.request.GET,
        )
        return context


class StaffDetailView(ScopedPermissionMixin, generic.DetailView):
    permission_required = "people.view_staff"
    template_name = "people/staff_detail.html"
    context_object_name = "staff"

    def get_queryset(self):
        return Staff.objects.select_related("person", "school__unit", "dormitory")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        staff = self.object
        user = self.request.user
        can_change = rules.has_perm("people.change_staff", user, staff)
        context.update(
            show_sensitive=selectors.can_see_sensitive(user, staff.person),
            can_change=can_change,
            transitions=[
                (name, _label(name)) for name in services.STAFF_TRANSITIONS if can_change and can_proceed(getattr(staff, name))
            ],
            history=staff.history.select_related("history_user").order_by("-history_date")[:20],
        )
        return context


class MyProfileView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "people.view_own_profile"
    template_name = "people/my_profile.html"

    def get_context_data(self, **kwargs):
        person = getattr(self.request.user, "person", None)
        employments = person.employments.select_related("school__unit", "dormitory") if person else []
        return super().get_context_data(person=person, employments=employments, show_sensitive=person is not None, **kwargs)


class _HrSchoolMixin:
    def hr_schools(self):
        return School.objects.filter(pk__in=scope.school_ids(self.request.user, {Role.HR_OFFICER})).select_related("unit")


class StaffCreateView(ScopedPermissionMixin, _HrSchoolMixin, generic.TemplateView):
    permission_required = "people.add_staff"
    template_name = "people/staff_form.html"

    def get_school(self):
        schools = self.hr_schools()
        wanted = self.request.GET.get("school") or self.request.POST.get("school")
        school = schools.filter(pk=wanted).first() if wanted else schools.first()
        if school is None:
            raise PermissionDenied
        return school

    def get_permission_object(self):
        return self.get_school()

    def get(self, request, *args, **kwargs):
        school = self.get_school()
        return self.render(school, PersonForm(prefix="person"), StaffForm(prefix="staff", school=school), ReasonForm(initial={"reason": _("New employment")}))

    def post(self, request, *args, **kwargs):
        school = self.get_school()
        person_form = PersonForm(request.POST, prefix="person")
        staff_form = StaffForm(request.POST, prefix="staff", school=school)
        reason_form = ReasonForm(request.POST)
        if person_form.is_valid() and staff_form.is_valid() and reason_form.is_valid():
            person_data = {f: person_form.cleaned_data[f] for f in PersonForm.Meta.fields}
            staff_data = {f: staff_form.cleaned_data[f] for f in StaffForm.Meta.fields}
            try:
                staff = services.staff_create(
                    school=school, person_data=person_data, staff_data=staff_data,
                    acting_user=request.user, reason=reason_form.cleaned_data["reason"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    target = staff_form if field in staff_form.fields else person_form
                    target.add_error(field if field in target.fields else None, errors)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": staff.person.name})
                return redirect("people:staff_detail", pk=staff.pk)
        return self.render(school, person_form, staff_form, reason_form)

    def render(self, school, person_form, staff_form, reason_form):
        return self.render_to_response(self.get_context_data(
            school=school, schools=self.hr_schools(), forms=[person_form, staff_form, reason_form],
            title=_("New staff member"),
        ))


class _StaffObjectMixin:
    """The staff member of the URL is the object the permission is tested on."""

    def get_permission_object(self):
        if not hasattr(self, "_staff"):
            self._staff = get_object_or_404(Staff.objects.select_related("person", "school__unit"), pk=self.kwargs["pk"])
        return self._staff


class StaffEditView(_StaffObjectMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "people.change_staff"
    template_name = "people/staff_form.html"

    def get(self, request, *args, **kwargs):
        staff = self.get_permission_object()
        return self.render(
            staff,
            PersonForm(prefix="person", instance=staff.person),
            StaffForm(prefix="staff", instance=staff, school=staff.school),
            ReasonForm(),
        )

    def post(self, request, *args, **kwargs):
        staff = self.get_permission_object()
        person_form = PersonForm(request.POST, prefix="person", instance=staff.person)
        staff_form = StaffForm(request.POST, prefix="staff", instance=staff, school=staff.school)
        reason_form = ReasonForm(request.POST)
        if person_form.is_valid() and staff_form.is_valid() and reason_form.is_valid():
            reason = reason_form.cleaned_data["reason"]
            with transaction.atomic():
                if person_form.has_changed():
                    services.person_update(person=staff.person, data={f: person_form.cleaned_data[f] for f in person_form.changed_data}, acting_user=request.user, reason=reason)
                if staff_form.has_changed():
                    services.staff_update(staff=staff, data={f: staff_form.cleaned_data[f] for f in staff_form.changed_data}, acting_user=request.user, reason=reason)
            messages.success(request, _("Changes saved."))
            return redirect("people:staff_detail", pk=staff.pk)
        return self.render(staff, person_form, staff_form, reason_form)

    def render(self, staff, person_form, staff_form, reason_form):
        return self.render_to_response(self.get_context_data(
            staff=staff, school=staff.school, forms=[person_form, staff_form, reason_form],
            title=_("Edit %(name)s") % {"name": staff.person.name},
        ))


class StaffTransitionView(_StaffObjectMixin, ScopedPermissionMixin, generic.FormView):
    permission_required = "people.change_staff"
    template_name = "people/staff_transition.html"
    form_class = ReasonForm

    def dispatch(self, request, *args, **kwargs):
        if kwargs["transition"] not in services.STAFF_TRANSITIONS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(staff=self.get_permission_object(), action=_label(self.kwargs["transition"]), **kwargs)

    def form_valid(self, form):
        staff = self.get_permission_object()
        try:
            services.staff_transition(staff=staff, name=self.kwargs["transition"], acting_user=self.request.user, reason=form.cleaned_data["reason"])
        except (services.TransitionNotAllowed, ConcurrentTransition) as error:
            form.add_error(None, str(error) or _("Someone else changed this record; reload and try again."))
            return self.form_invalid(form)
        messages.success(self.request, _("Status changed."))
        return redirect(reverse("people:staff_detail", kwargs={"pk": staff.pk}))

