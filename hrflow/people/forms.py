from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hrflow.core.validators import name_problem, phone_problem, policy_message
from hrflow.org.models import Dormitory
from hrflow.policy import PolicyInputError, parse_id_number

from .models import Attestation, Person, Staff


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["name", "id_number", "phone", "education", "cadre"]

    def __init__(self, *args, show_sensitive=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_sensitive:
            del self.fields["id_number"]

    def clean_id_number(self):
        try:
            identity = parse_id_number(self.cleaned_data["id_number"])
        except PolicyInputError as error:
            raise forms.ValidationError(policy_message(error)) from None
        if identity.birth_date > timezone.localdate():
            raise forms.ValidationError(_("The ID number gives a birth date in the future."))
        return identity.number

    def clean_name(self):
        name = self.cleaned_data["name"].strip(" ")
        problem = name_problem(name)
        if problem:
            raise forms.ValidationError(problem)
        return name

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        problem = phone_problem(phone) if phone else None
        if problem:
            raise forms.ValidationError(problem)
        return phone

    def validate_unique(self):
        # Creating staff may meet an existing person found by ID number; the service then
        # asks the officer how to link the new employment instead of raising an error here.
        if self.instance.pk:
            super().validate_unique()


class AttestationForm(forms.ModelForm):
    class Meta:
        model = Attestation
        fields = ["criminal_record", "infectious_disease", "mental_illness_history"]


class StaffForm(forms.ModelForm):
    class Meta:
        model = Staff
        fields = ["post_category", "employment_type", "title", "dormitory", "food_safety_manager", "hired_on"]
        widgets = {"hired_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dormitory"].queryset = Dormitory.objects.filter(school=school).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("dormitory") and data.get("post_category") != "dormitory":
            self.add_error("dormitory", _("Only dormitory staff are assigned to a dormitory."))
        return data


class LinkForm(forms.Form):
    """How a new employment joins a person who already has a record (never changing it)."""

    NEW = "new"
    TRANSFER = "transfer"
    link = forms.ChoiceField(
        label=_("This person already has a record"),
        choices=[(NEW, _("Link a new employment to the existing record")),
                 (TRANSFER, _("Transfer: the person leaves their current school for this one"))],
        widget=forms.RadioSelect,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Recorded in the audit log with your name."))
