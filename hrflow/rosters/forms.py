from django import forms
from django.utils.translation import gettext_lazy as _

from hrflow.core.validators import invisible

from .models import RosterRow


class UploadForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("School or area"), coerce=int, help_text=_(
        "A school's roster has no school column; a county's or city's roster names the school on every row."),
        error_messages={"invalid_choice": _("Choose one of the schools or areas you import staff for.")})
    file = forms.FileField(label=_("Roster (xlsx)"), max_length=200)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {u.pk: u for u in units}
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if invisible(upload.name or ""):
            raise forms.ValidationError(_("The file name contains control or invisible characters."))
        return upload

    def clean_unit(self):
        return self.units[self.cleaned_data["unit"]]


class RowFilterForm(forms.Form):
    sheet = forms.ChoiceField(label=_("Sheet"), required=False, choices=RosterRow.Sheet.choices)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("All")), *RosterRow.Action.choices])

    def filters(self) -> dict:
        self.is_valid()
        return {
            "sheet": self.cleaned_data.get("sheet") or RosterRow.Sheet.STAFF if "sheet" not in self.errors else RosterRow.Sheet.STAFF,
            "action": self.cleaned_data.get("action") or None if "action" not in self.errors else None,
        }
