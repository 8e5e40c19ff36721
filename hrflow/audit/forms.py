from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from hrflow.core.templatetags.hrflow import human_date
from hrflow.core.validators import invisible
from hrflow.org.choosers import SchoolChooserField

from .selectors import audit_model_choices

# The change log's dates lie in this range; a date far outside it (year 1) overflows the
# database's range once converted from Asia/Shanghai to UTC.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


def validate_filter_date(value):
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise forms.ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."), code="date_range",
            params={"earliest": human_date(EARLIEST_DATE), "latest": human_date(LATEST_DATE)},
        )


class AuditFilterForm(forms.Form):
    """The change log's filter. A value that does not parse is an error shown beside its field,
    and nothing is listed or exported: dropping it silently would widen the filter to everything."""

    school = SchoolChooserField(label=_("School"), required=False, schools=None)
    user = forms.CharField(label=_("User (login name)"), required=False, max_length=150)
    model = forms.ChoiceField(label=_("Record type"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                validators=[validate_filter_date])
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              validators=[validate_filter_date])

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        # A search-as-you-type field: a province's 5,000 schools are never rendered as options.
        self.fields["school"].schools = schools
        self.fields["model"].choices = [("", _("All record types"))] + audit_model_choices()
        # Django's own check of NUL runs first and its Chinese says "empty string": ours names the field.
        self.fields["user"].validators = [v for v in self.fields["user"].validators if getattr(v, "code", None) != "null_characters_not_allowed"]

    def clean_user(self):
        user = self.cleaned_data["user"].strip()
        if invisible(user):
            raise forms.ValidationError(_("A login name holds no control or invisible characters."), code="invisible")
        return user

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", forms.ValidationError(_("The end date lies before the start date."), code="date_order"))
        return cleaned
