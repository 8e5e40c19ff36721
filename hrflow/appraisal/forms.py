from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hrflow.org import scope
from hrflow.org.models import OrgUnit, Role

from hrflow.people.models import Education, PostCategoryChoices

from .models import Appraisal, Cycle, GradeChoices, Incident, Responsibility
from .services import CycleSettings

# Django's own wording ("确保该变量…") reads as a programmer's: each text field says it plainly.
TOO_LONG = {"max_length": _("At most %(limit_value)d characters; this has %(show_value)d.")}
REASON = dict(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, error_messages=TOO_LONG)


class CycleForm(forms.Form):
    unit = forms.ChoiceField(label=_("Opened by"), help_text=_("A school for its own staff, or a bureau for every school below it."))
    name = forms.CharField(label=pgettext_lazy("cycle", "Name"), error_messages=TOO_LONG, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Cycle.Kind.choices)
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    weight_self = forms.IntegerField(label=_("Self-evaluation weight (%)"), min_value=0, max_value=100)
    weight_peer = forms.IntegerField(label=_("Peer evaluation weight (%)"), min_value=0, max_value=100)
    weight_leader = forms.IntegerField(label=_("Leadership evaluation weight (%)"), min_value=0, max_value=100)
    excellent_share = forms.DecimalField(label=_("Largest share of 优秀 (%)"), min_value=0, max_value=100, decimal_places=4, max_digits=7)
    excellent_min = forms.IntegerField(label=_("优秀 from (points)"), min_value=0, max_value=100)
    pass_min = forms.IntegerField(label=_("合格 from (points)"), min_value=0, max_value=100)
    basic_min = forms.IntegerField(label=_("基本合格 from (points)"), min_value=0, max_value=100)
    peers_per_person = forms.IntegerField(label=_("Peer raters per person"), min_value=1, max_value=50)
    min_raters = forms.IntegerField(label=_("Fewest answers for a peer result"), min_value=3, max_value=50,
                                    help_text=_("Below this, nobody sees the peer result and the committee decides how the person is scored."))
    trim_from = forms.IntegerField(label=_("Drop the highest and lowest peer score from (answers)"), min_value=3, max_value=50)
    appeal_days = forms.IntegerField(label=_("Appeal window (days)"), min_value=1, max_value=60)
    separate_groups = forms.BooleanField(label=_("Grade management and service posts apart"), required=False)
    self_due = forms.DateField(label=_("Self-evaluation due"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                               help_text=_("Optional. After each due day whoever is late is reminded once."))
    peer_due = forms.DateField(label=_("Peer ratings due"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    leader_due = forms.DateField(label=_("Leadership scores due"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        grants = [g for g in scope.grants(user) if g.role in (Role.HR_OFFICER, Role.BUREAU_OFFICER)
                  and (g.kind == OrgUnit.Kind.SCHOOL) == (g.role == Role.HR_OFFICER)]
        self.fields["unit"].choices = [(g.unit_id, g.unit_name) for g in grants]
        if not self.is_bound:
            d = CycleSettings.defaults()
            self.initial.update({k: v for k, v in vars(d).items()})
            self.initial["excellent_share"] = d.excellent_share * 100

    def clean_unit(self):
        return OrgUnit.objects.get(pk=int(self.cleaned_data["unit"]))

    def config(self) -> CycleSettings:
        d = self.cleaned_data
        return CycleSettings(weight_self=d["weight_self"], weight_peer=d["weight_peer"], weight_leader=d["weight_leader"],
                             excellent_share=(d["excellent_share"] / 100).quantize(Decimal("0.000001")),
                             excellent_min=d["excellent_min"], pass_min=d["pass_min"], basic_min=d["basic_min"],
                             peers_per_person=d["peers_per_person"], min_raters=d["min_raters"], trim_from=d["trim_from"],
                             appeal_days=d["appeal_days"], separate_groups=d["separate_groups"])


class SelfEvaluationForm(forms.Form):
    self_morals = forms.IntegerField(label=_("Morals (德)"), min_value=0, max_value=100, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    self_ability = forms.IntegerField(label=_("Ability (能)"), min_value=0, max_value=100, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    self_diligence = forms.IntegerField(label=_("Diligence (勤)"), min_value=0, max_value=100, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    self_results = forms.IntegerField(label=_("Results (绩)"), min_value=0, max_value=100, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    self_integrity = forms.IntegerField(label=_("Integrity (廉)"), min_value=0, max_value=100, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    summary = forms.CharField(label=_("Summary of the year's work"), error_messages=TOO_LONG, max_length=3000, widget=forms.Textarea(attrs={"rows": 6}))


class PeerScoreForm(forms.Form):
    score = forms.CharField(label=_("Score (0–100)"), error_messages=TOO_LONG, max_length=10, widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), **REASON)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, **REASON)


class ScoringForm(forms.Form):
    scoring = forms.ChoiceField(label=_("How this person is scored"), choices=[
        (Appraisal.Scoring.RENORMALISED, Appraisal.Scoring.RENORMALISED.label), (Appraisal.Scoring.NOT_GRADED, Appraisal.Scoring.NOT_GRADED.label)],
        error_messages={"invalid_choice": _("Choose one of the options given.")})
    note = forms.CharField(label=_("The committee's decision, as recorded"), **REASON)


class GradeChangeForm(forms.Form):
    grade = forms.ChoiceField(label=_("New grade"), choices=GradeChoices.choices)
    reason = forms.CharField(label=_("Written reason"), **REASON)


class CommitteeAddForm(forms.Form):
    person = forms.CharField(label=_("Staff member (name or ID number)"), error_messages=TOO_LONG, max_length=100)
    staff_rep = forms.BooleanField(label=_("Staff representative (职工代表)"), required=False)


class IncidentForm(forms.Form):
    occurred_on = forms.DateField(label=_("Occurred on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    title = forms.CharField(label=_("Title"), error_messages=TOO_LONG, max_length=200)
    description = forms.CharField(label=_("What happened"), error_messages=TOO_LONG, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    severity = forms.ChoiceField(label=_("Severity"), choices=Incident.Severity.choices)


class ResponsibilityForm(forms.Form):
    person = forms.CharField(label=_("Person responsible (name or ID number)"), error_messages=TOO_LONG, max_length=100)
    role = forms.ChoiceField(label=_("Role in the incident"), choices=Responsibility.Role.choices)
    finding = forms.CharField(label=_("What the investigation found"), error_messages=TOO_LONG, max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))


class InvestigationForm(forms.Form):
    investigation = forms.CharField(label=_("Investigation record"), error_messages=TOO_LONG, max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))


class StatementForm(forms.Form):
    statement = forms.CharField(label=_("Statement (陈述申辩)"), required=False, error_messages=TOO_LONG, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    waived = forms.BooleanField(label=_("Declined to make a statement"), required=False)


class DecisionForm(forms.Form):
    decision = forms.CharField(label=_("Decision, as recorded"), error_messages=TOO_LONG, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AppealForm(forms.Form):
    grounds = forms.CharField(label=_("Why you ask for a review"), error_messages=TOO_LONG, max_length=3000, widget=forms.Textarea(attrs={"rows": 4}))


class AppealDecisionForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade after the review"), choices=GradeChoices.choices)
    decision = forms.CharField(label=_("The committee's decision, as recorded"), error_messages=TOO_LONG, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


def _money_field(label, limit=Decimal("999999999.99")):
    # A school's budget beyond a billion yuan, or a monthly rate beyond a million, is a typing error.
    return forms.DecimalField(label=label, min_value=0, max_value=limit, decimal_places=2, max_digits=12)


class PayRunForm(forms.Form):
    budget = _money_field(_("Performance pay budget for the period (yuan)"))
    reward_share = forms.DecimalField(label=_("Reward part's share of the budget (%)"), min_value=0, max_value=100, decimal_places=4, max_digits=7)
    months = forms.IntegerField(label=_("Months of base part"), min_value=1, max_value=72)
    coef_excellent = forms.DecimalField(label=_("Coefficient for 优秀"), min_value=0, max_value=10, decimal_places=4, max_digits=6)
    coef_competent = forms.DecimalField(label=_("Coefficient for 合格"), min_value=0, max_value=10, decimal_places=4, max_digits=6)
    coef_basic = forms.DecimalField(label=_("Coefficient for 基本合格"), min_value=0, max_value=10, decimal_places=4, max_digits=6)
    coef_incompetent = forms.DecimalField(label=_("Coefficient for 不合格"), min_value=0, max_value=10, decimal_places=4, max_digits=6)

    def clean_budget(self):
        budget = self.cleaned_data["budget"]
        if budget is not None and budget <= 0:
            raise forms.ValidationError(_("The performance pay budget (绩效工资总量) must be more than zero."))
        return budget

    def clean(self):
        d = super().clean()
        coefficients = [d.get(key) for key in ("coef_excellent", "coef_competent", "coef_basic", "coef_incompetent")]
        # The reward part is split by grade coefficient × work done: all coefficients zero leave nobody a share.
        if d.get("reward_share") and None not in coefficients and not any(c > 0 for c in coefficients):
            self.add_error("coef_competent", _("The reward part is split by grade coefficient: at least one grade's coefficient must be "
                                               "above zero (usually 合格 1.0), or set the reward share to 0."))
        return d

    def values(self) -> dict:
        d = dict(self.cleaned_data)
        d["reward_share"] = (d["reward_share"] / 100).quantize(Decimal("0.000001"))
        return d


class PayRateForm(forms.Form):
    post_category = forms.ChoiceField(label=_("Post category"), required=False, choices=[("", _("any"))] + list(PostCategoryChoices.choices))
    title = forms.CharField(label=_("Title or skill level"), required=False, error_messages=TOO_LONG, max_length=100, help_text=_("Empty: any."))
    education = forms.ChoiceField(label=_("Education"), required=False, choices=[("", _("any"))] + list(Education.choices))
    monthly = _money_field(_("Monthly base part (yuan)"), limit=Decimal("999999.99"))
