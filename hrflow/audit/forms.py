from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import audit_model_choices


class AuditFilterForm(forms.Form):
    school = forms.ChoiceField(label=_("School"), required=False)
    user = forms.CharField(label=_("User (login name)"), required=False)
    model = forms.ChoiceField(label=_("Record type"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", _("All schools in scope"))] + [(str(s.pk), s.unit.name) for s in schools]
        self.fields["model"].choices = [("", _("All record types"))] + audit_model_choices()
