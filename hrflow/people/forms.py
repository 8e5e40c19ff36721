from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hrflow.org.models import Dormitory
from hrflow.policy import PolicyInputError, parse_id_number

from .models import Person, Staff


def translated(error: PolicyInputError) -> str:
    return gettext(error.template) % error.params if error.params else gettext(error.template)


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["name", "id_number", "phone", "education", "cadre", "criminal_record", "infectious_disease", "mental_illness_history"]

    def __init__(self, *args, show_sensitive=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_sensitive:
            for name in ("id_number", "criminal_record", "infectious_disease", "mental_illness_history"):
                del self.fields[name]

    def clean_id_number(self):
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except PolicyInputError as error:
            raise forms.ValidationError(translated(error)) from None

    def validate_unique(self):
        # Creating staff may reuse an existing person found by ID number (a re-hire);
        # uniqueness is then the service's business, not an error here.
        if self.instance.pk:
            super().validate_unique()


class StaffForm(forms.ModelForm):
    class Meta:
        model = Staff
        fields = ["post_category", "employment_type", "title", "dormitory", "food_safety_manager", "hired_on"]
        widgets = {"hired_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dormitory"].queryset = Dormitory.objects.filter(school=school).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("dormitory") and data.get("post_category") != "dormitory":
            self.add_error("dormitory", _("Only dormitory staff are assigned to a dormitory."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Recorded in the audit log with your name."))

