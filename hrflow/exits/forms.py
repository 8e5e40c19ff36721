from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hrflow.contracts.forms import DATE, REASON_HELP, _money

from .models import ExitCase, Ground, HandoverItem, Initiator, Protection
from .services import HR_GROUNDS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
COUNT_ERRORS = {"min_value": _("A number of people is 0 or more."), "max_value": _("At most 999 people."),
                "invalid": _("Enter a whole number.")}


def _text(label, max_length=2000, required=True, rows=3, help_text=""):
    return forms.CharField(label=label, max_length=max_length, required=required, widget=forms.Textarea(attrs={"rows": rows}),
                           help_text=help_text)


def _count(label):
    return forms.IntegerField(label=label, min_value=0, max_value=999, error_messages=COUNT_ERRORS)


class StateFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All")), *ExitCase.State.choices])
    waiting = forms.BooleanField(label=_("Waiting for me"), required=False)


class OpenForm(forms.Form):
    ground = forms.ChoiceField(label=_("Ground"), choices=[(g, Ground(g).label) for g in HR_GROUNDS])
    initiated_by = forms.ChoiceField(label=_("Proposed by (mutual agreement)"), choices=[("", "—"), *Initiator.choices], required=False)
    evidence = _text(_("Grounds and evidence"), max_length=4000, rows=4,
                     help_text=_("What happened, the documents it rests on, and for a resignation the letter's words."))
    notice_given_on = forms.DateField(label=_("Written notice received on (resignation)"), widget=DATE, required=False)
    requested_last_day = forms.DateField(label=_("Last day asked for"), widget=DATE, required=False,
                                         help_text=_("A retirement's last day; for other grounds, a later day than the notice gives."))

    def clean(self):
        data = super().clean()
        if data.get("ground") == Ground.MUTUAL and not data.get("initiated_by"):
            self.add_error("initiated_by", _("Say who proposed the agreement."))
        return data


class StatementForm(forms.Form):
    statement = _text(_("Statement (陈述申辩)"), max_length=4000, rows=6)

    def __init__(self, *args, case: ExitCase, **kwargs):
        super().__init__(*args, **kwargs)
        if case.ground == Ground.MUTUAL:
            self.fields["agrees"] = forms.TypedChoiceField(
                label=_("Does the person agree to end the employment?"), coerce=lambda v: v == "yes",
                choices=[("yes", _("Yes, agreed")), ("no", _("No"))], widget=forms.RadioSelect)


class NoteForm(forms.Form):
    note = _text(_("Note"), required=False, rows=2)


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), rows=2, help_text=REASON_HELP)


class ReviewForm(forms.Form):
    held_at = forms.DateTimeField(label=_("Held at"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    place = forms.CharField(label=_("Place"), max_length=200)
    members = _text(_("Members"), rows=2, help_text=_("Names of the members, present or not, and who recused."))
    total = _count(_("Members"))
    present = _count(_("Members present"))
    votes_for = _count(_("For"))
    votes_against = _count(_("Against"))
    votes_abstain = _count(_("Abstain"))
    minutes = _text(_("Minutes"), max_length=4000, rows=4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["total"].label = _("Number of members")
        self.fields["total"].help_text = _("At least %(n)d.") % {"n": settings.HRFLOW["REVIEW_MIN_MEMBERS"]}


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve the exit")), ("reject", _("Reject: the employment continues"))],
                                 widget=forms.RadioSelect)
    legal_ground = forms.ChoiceField(label=_("Legal ground"), required=False)
    pay_in_lieu = forms.BooleanField(label=_("A month's pay instead of the 30 days' notice (劳动合同法 art. 40)"), required=False)
    union_notified_on = forms.DateField(label=_("Union told the reasons on"), widget=DATE, required=False,
                                        help_text=_("Before the school ends a labour contract on its own (劳动合同法 art. 43)."))
    reason = _text(_("Reasons"), rows=3, help_text=REASON_HELP)

    def __init__(self, *args, choices=(), lieu=False, union=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not union:
            del self.fields["union_notified_on"]
        if len(choices) > 1:
            self.fields["legal_ground"].choices = [("", "—"), *[(c, Ground(c).label) for c in choices]]
        else:
            del self.fields["legal_ground"]
        if not lieu:
            del self.fields["pay_in_lieu"]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "approve" and "legal_ground" in self.fields and not data.get("legal_ground"):
            self.add_error("legal_ground", _("Choose the legal ground of the decision (VETO-EXIT)."))
        return data


class HandoverAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=HandoverItem.Kind.choices)
    description = forms.CharField(label=_("What"), max_length=200, required=False)
    owner = forms.ModelChoiceField(label=_("Checked by"), queryset=None, error_messages={"invalid_choice": _("Choose someone of this school.")})

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class HandoverConfirmForm(forms.Form):
    done = forms.TypedChoiceField(label=_("Handed over"), coerce=lambda v: v == "yes", choices=[("yes", _("Yes")), ("no", _("Not yet"))],
                                  error_messages={"required": _("Say whether the item was handed over."),
                                                  "invalid_choice": _("Say whether the item was handed over.")})
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class SettleForm(forms.Form):
    monthly_pay = _money(_("Monthly pay for severance (yuan)"), required=False)
    local_average_pay = _money(_("Local average monthly pay (yuan)"), required=False)
    outstanding_pay = _money(_("Outstanding pay (yuan)"), required=False)
    renewal_declined = forms.BooleanField(label=_("The person declined a renewal on the same or better terms (no severance, 劳动合同法 art. 46(5))"),
                                          required=False)
    note = _text(_("Settlement remarks"), required=False, rows=2)

    def __init__(self, *args, pay_asked=True, not_renewed=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not not_renewed:
            del self.fields["renewal_declined"]
        if not pay_asked:  # no severance due and no pay instead of notice: the pay is not asked for
            del self.fields["monthly_pay"], self.fields["local_average_pay"]
            return
        self.fields["monthly_pay"].help_text = _("The average monthly pay of the last 12 months (劳动合同法 art. 47).")
        self.fields["local_average_pay"].help_text = _("The city's average monthly pay of last year, as published: the cap of art. 47.")


class ProtectionForm(forms.ModelForm):
    """No free "reason": the audit trail says what was recorded in words that reveal no health or
    family data; the details go in the evidence, which the change log masks."""

    class Meta:
        model = Protection
        fields = ["kind", "starts_on", "ends_on", "evidence"]
        widgets = {"starts_on": DATE, "ends_on": DATE}
