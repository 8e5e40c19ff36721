from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from hrflow.org.choosers import SchoolChooserField
from hrflow.org.models import OrgUnit
from hrflow.org.selectors import schools_visible_to
from hrflow.policy import PolicyInputError, parse_id_number
from hrflow.core.validators import policy_message

from .models import Certificate, Course, RequiredCertificate, TrainingPlan
from .validation import HOURS_MAX

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _finite(value):
    # Django's DecimalField may hand over NaN or infinity; nothing here counts them.
    if value is not None and not value.is_finite():
        raise forms.ValidationError(_("Enter a number."))
    return value


# Hours as a person reads them: the field's digit counts are not something an officer thinks in.
HOURS_ERRORS = {
    "max_digits": _("At most 999.9 hours."),
    "max_whole_digits": _("At most 999.9 hours."),
    "max_decimal_places": _("Hours to one decimal place, e.g. 2.5."),
    "min_value": _("Hours cannot be negative."),
    "invalid": _("Enter the hours as a number, e.g. 2.5."),
}


class ReasonMixin(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Recorded in the audit log with your name."))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("This field is required."))
        return reason


class PlanForm(forms.ModelForm):
    class Meta:
        model = TrainingPlan
        fields = ["unit", "kind", "title", "first_year", "last_year", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is None:  # editing: the owning unit stays
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units
            self.fields["unit"].empty_label = None
            self.fields["unit"].label_from_instance = lambda u: f"{u.name}（{u.get_kind_display()}）"
        for name in ("first_year", "last_year"):
            self.fields[name].widget.attrs.update(min=2000, max=2100)


class PlanEditForm(ReasonMixin, PlanForm):
    pass


class PlanFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("Plan level"), required=False, choices=[("", _("All")), *OrgUnit.Kind.choices])
    kind = forms.ChoiceField(label=_("Plan kind"), required=False, choices=[("", _("All")), *TrainingPlan.Kind.choices])

    def filters(self) -> dict:
        self.is_valid()
        return {name: None if name in self.errors else self.cleaned_data.get(name) or None for name in self.fields}


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ["title", "mode", "category", "layer", "starts_on", "ends_on", "hours"]
        widgets = {"starts_on": DATE, "ends_on": DATE}
        error_messages = {"hours": HOURS_ERRORS}

    def clean_hours(self):
        return _finite(self.cleaned_data["hours"])


class CourseEditForm(ReasonMixin, CourseForm):
    pass


class AttendanceForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=18)
    hours = forms.DecimalField(label=_("Hours attended"), max_digits=4, decimal_places=1, min_value=Decimal("0"), max_value=HOURS_MAX,
                               error_messages=HOURS_ERRORS)
    passed = forms.BooleanField(label=_("Passed"), required=False)

    def clean_id_number(self):
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except PolicyInputError as error:
            raise forms.ValidationError(policy_message(error)) from None

    def clean_hours(self):
        return _finite(self.cleaned_data["hours"])


class CertificateForm(forms.ModelForm):
    class Meta:
        model = Certificate
        fields = ["kind", "name", "number", "issuer", "issued_on", "valid_until"]
        widgets = {"issued_on": DATE, "valid_until": DATE}


class CertificateEditForm(ReasonMixin, CertificateForm):
    pass


class RequirementForm(forms.ModelForm):
    class Meta:
        model = RequiredCertificate
        fields = ["kind", "name"]


class RemoveForm(ReasonMixin):
    pass


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (xlsx, from the template)"))


class AlertFilterForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = SchoolChooserField(label=_("School"), required=False, schools=schools_visible_to(user))

    def school(self):
        self.is_valid()
        return None if "school" in self.errors else self.cleaned_data.get("school")
