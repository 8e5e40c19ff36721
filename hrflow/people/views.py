import rules
from django import forms
from django.conf import settings
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
from hrflow.core.sections import staff_sections
from hrflow.core.paging import keyset_page
from hrflow.core.params import object_id
from hrflow.org import scope
from hrflow.org.choosers import SchoolChooserField
from hrflow.org.models import Role, School
from hrflow.org.selectors import schools_visible_to

from . import selectors, services
from .forms import AttestationForm, LinkForm, PersonForm, ReasonForm, StaffForm
from .models import Person, PostCategoryChoices, Staff

TRANSITION_LABELS = {
    "suspend": gettext_lazy("Suspend"),
    "reinstate": gettext_lazy("Reinstate"),
    "begin_exit": gettext_lazy("Begin exit"),
    "cancel_exit": gettext_lazy("Cancel exit"),
    "complete_exit": gettext_lazy("Complete exit"),
}


# Longer than any name on record (Person.name holds 100): such a search is reported, not run.
SEARCH_MAX_LENGTH = 100


def _label(name):
    return str(TRANSITION_LABELS[name])


class StaffFilterForm(forms.Form):
    """The staff list's filters. A value that is not one of the choices, or a search longer than
    a name, is reported and left out of the query; the page still shows the rest."""

    category = forms.ChoiceField(label=gettext_lazy("Post category"), required=False,
                                 choices=[("", gettext_lazy("All")), *PostCategoryChoices.choices])
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("All")), *Staff.Status.choices])
    q = forms.CharField(label=gettext_lazy("Name or ID number"), required=False, max_length=SEARCH_MAX_LENGTH,
                        widget=forms.TextInput(attrs={"type": "search"}),
                        help_text=gettext_lazy("One or two characters match the start of the name (surname); three or more match "
                                               "anywhere in it. Four or more digits search ID numbers, for HR of the school."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Search-as-you-type over the user's scope: a <select> of a province's 5,000 schools is not sent.
        self.fields["school"] = SchoolChooserField(label=gettext_lazy("School"), required=False, schools=schools_visible_to(user))
        self.order_fields(["school"])

    def filters(self) -> dict:
        self.is_valid()
        return {name: None if name in self.errors else self.cleaned_data.get(name) or None for name in self.fields}


class StaffListView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "people.view_staff"
    template_name = "people/staff_list.html"
    page_size = 50

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = StaffFilterForm(self.request.GET, user=user)
        filters = form.filters()
        school, search = filters["school"], filters["q"]
        sensitive = selectors.sensitive_school_ids(user)
        id_search_refused = bool(search) and selectors.is_id_query(search) and not sensitive
        qs = selectors.staff_list(
            user=user, school_id=school.pk if school else None, category=filters["category"], status=filters["status"], search=search,
        )
        page = keyset_page(qs, order=selectors.STAFF_ORDER, cursor=self.request.GET.get("cursor"), size=self.page_size)
        clear_school = self.request.GET.copy()
        for key in ("school", "school_label", "cursor"):
            clear_school.pop(key, None)
        return super().get_context_data(
            form=form, page=page, school=school, clear_school_query=clear_school.urlencode(),
            id_search_refused=id_search_refused, sensitive_schools=sensitive,
            can_add=scope.has_role(user, Role.HR_OFFICER), **kwargs,
        )


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
            attestation=selectors.attestation_for(user, staff),
            may_see_attestation=selectors.may_see_attestation(user, staff),
            can_change=can_change,
            transitions=[
                (name, _label(name)) for name in services.STAFF_TRANSITIONS
                if can_change and can_proceed(getattr(staff, name)) and not any(guard(staff, name) for guard in services.TRANSITION_GUARDS)
            ],
            history=staff.history.select_related("history_user").order_by("-history_date")[:20],
            sections=staff_sections(staff, user),
        )
        return context


class MyProfileView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "people.view_own_profile"
    template_name = "people/my_profile.html"

    def get_context_data(self, **kwargs):
        person = getattr(self.request.user, "person", None)
        employments = person.employments.select_related("school__unit", "dormitory", "attestation") if person else []
        employments = [(staff, staff_sections(staff, self.request.user)) for staff in employments]
        return super().get_context_data(person=person, employments=employments, show_sensitive=person is not None, **kwargs)


class _HrSchoolMixin:
    def hr_schools(self):
        return School.objects.filter(pk__in=scope.school_ids(self.request.user, {Role.HR_OFFICER})).select_related("unit")


class StaffCreateView(ScopedPermissionMixin, _HrSchoolMixin, generic.TemplateView):
    """A new employment. A known ID number never changes the person on record: the officer sees
    that the person exists (masked) and links a new employment or a transfer, with a reason."""

    permission_required = "people.add_staff"
    template_name = "people/staff_form.html"

    def get_school(self):
        schools = self.hr_schools()
        wanted = self.request.GET.get("school") or self.request.POST.get("school")
        if wanted:
            school = schools.filter(pk=object_id(wanted)).first()
        else:
            school = schools.first()
        if school is None:
            raise PermissionDenied
        return school

    def get_permission_object(self):
        return self.get_school()

    def get(self, request, *args, **kwargs):
        school = self.get_school()
        return self.render(school, PersonForm(prefix="person"), StaffForm(prefix="staff", school=school),
                           AttestationForm(prefix="attestation"), ReasonForm(initial={"reason": _("New employment")}))

    def post(self, request, *args, **kwargs):
        school = self.get_school()
        person_form = PersonForm(request.POST, prefix="person")
        staff_form = StaffForm(request.POST, prefix="staff", school=school)
        attestation_form = AttestationForm(request.POST, prefix="attestation")
        reason_form = ReasonForm(request.POST)
        link_form = LinkForm(request.POST) if "link" in request.POST else None
        forms_ok = all(f.is_valid() for f in (person_form, staff_form, attestation_form, reason_form))
        if forms_ok and (link_form is None or link_form.is_valid()):
            try:
                staff = services.staff_create(
                    school=school,
                    person_data={f: person_form.cleaned_data[f] for f in PersonForm.Meta.fields},
                    staff_data={f: staff_form.cleaned_data[f] for f in StaffForm.Meta.fields},
                    attestation_data=attestation_form.cleaned_data,
                    acting_user=request.user, reason=reason_form.cleaned_data["reason"],
                    link=link_form.cleaned_data["link"] if link_form else None,
                )
            except services.PersonExists as exists:
                return self.render(school, person_form, staff_form, attestation_form, reason_form,
                                   link_form=LinkForm(), existing=exists)
            except ValidationError as error:
                targets = (staff_form, attestation_form, reason_form, person_form)
                for field, errors in error.message_dict.items():
                    if link_form is not None and field in link_form.fields:
                        link_form.add_error(field, errors)
                        continue
                    target = next((f for f in targets if field in f.fields), person_form)
                    target.add_error(field if field in target.fields else None, errors)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": staff.person.name})
                return redirect("people:staff_detail", pk=staff.pk)
        existing = None
        if link_form is not None and person_form.is_valid():
            person = Person.objects.filter(id_number=person_form.cleaned_data["id_number"]).first()
            existing = services.PersonExists(person, list(services.current_employments(person))) if person else None
        return self.render(school, person_form, staff_form, attestation_form, reason_form, link_form=link_form, existing=existing)

    def render(self, school, person_form, staff_form, attestation_form, reason_form, link_form=None, existing=None):
        return self.render_to_response(self.get_context_data(
            school=school, schools=self.hr_schools(), forms=[person_form, staff_form, attestation_form, reason_form],
            link_form=link_form if existing else None, existing=existing,
            allow_concurrent=settings.HRFLOW["ALLOW_CONCURRENT_EMPLOYMENT"],
            title=_("New staff member"),
        ))


class _StaffObjectMixin:
    """The staff member of the URL is the object the permission is tested on."""

    def get_permission_object(self):
        if not hasattr(self, "_staff"):
            self._staff = get_object_or_404(Staff.objects.select_related("person", "school__unit"), pk=self.kwargs["pk"])
        return self._staff


class StaffEditView(_StaffObjectMixin, ScopedPermissionMixin, generic.TemplateView):
    """Edit an employment. This school's attestations are edited only while the person works here,
    the shared person only while no other school employs them."""

    permission_required = "people.change_staff"
    template_name = "people/staff_form.html"

    def build_forms(self, data=None):
        staff = self.get_permission_object()
        forms = {}
        if staff.is_current:
            # The shared record is edited by its only current employer: while another school
            # employs the person too, neither can rewrite what the other relies on.
            if not selectors.employed_elsewhere(staff):
                forms["person"] = PersonForm(data, prefix="person", instance=staff.person)
            attestation = selectors.attestation_for(self.request.user, staff)
            forms["attestation"] = AttestationForm(data, prefix="attestation", instance=attestation)
        forms["staff"] = StaffForm(data, prefix="staff", instance=staff, school=staff.school)
        forms["reason"] = ReasonForm(data)
        return forms

    def get(self, request, *args, **kwargs):
        return self.render(self.build_forms())

    def post(self, request, *args, **kwargs):
        staff = self.get_permission_object()
        forms = self.build_forms(request.POST)
        if all(f.is_valid() for f in forms.values()):
            reason = forms["reason"].cleaned_data["reason"]
            try:
                with transaction.atomic():
                    person_form, attestation_form, staff_form = forms.get("person"), forms.get("attestation"), forms["staff"]
                    if person_form is not None and person_form.has_changed():
                        services.person_update(person=staff.person, data={f: person_form.cleaned_data[f] for f in person_form.changed_data},
                                               acting_user=request.user, reason=reason)
                    if attestation_form is not None and attestation_form.has_changed():
                        services.attestation_record(staff=staff, data=attestation_form.cleaned_data, acting_user=request.user, reason=reason)
                    if staff_form.has_changed():
                        services.staff_update(staff=staff, data={f: staff_form.cleaned_data[f] for f in staff_form.changed_data},
                                              acting_user=request.user, reason=reason)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    target = next((f for f in forms.values() if field in f.fields), forms["staff"])
                    target.add_error(field if field in target.fields else None, errors)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("people:staff_detail", pk=staff.pk)
        return self.render(forms)

    def render(self, forms):
        staff = self.get_permission_object()
        return self.render_to_response(self.get_context_data(
            staff=staff, school=staff.school, forms=list(forms.values()), person_locked="person" not in forms,
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

