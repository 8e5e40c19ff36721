from django import forms
from django.utils.translation import gettext_lazy as _

from hrflow.core import clock

from .models import Contract, DispatchAgreement

MAX_DAYS_TO_START = 366
# An <input type="date"> takes ISO dates only; the zh-hans format (2026/07/01) would leave it empty.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_HELP = _("Recorded in the audit log with your name.")


def _reason(label=_("Reason"), required=True):
    return forms.CharField(label=label, max_length=500, required=required, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP)


MONEY_ERRORS = {
    "max_digits": _("At most 99,999,999.99 yuan."),
    "max_whole_digits": _("At most 99,999,999.99 yuan."),
    "max_decimal_places": _("Yuan and fen: at most two decimal places."),
    "min_value": _("An amount of money cannot be negative."),
    "invalid": _("Enter an amount in yuan, e.g. 3200 or 3200.50."),
}


class MoneyField(forms.DecimalField):
    """Yuan and fen as people write them: "1E+5" is not an amount of money (Django's DecimalField
    would read it as 100,000); NaN and infinities are refused by DecimalField itself."""

    def to_python(self, value):
        if isinstance(value, str) and any(c in value for c in "eE"):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def _money(label, required=True):
    # Up to 99,999,999.99 yuan.
    return MoneyField(label=label, max_digits=10, decimal_places=2, min_value=0, required=required, error_messages=MONEY_ERRORS)


class SignForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=120, required=False,
                                     help_text=_("Empty for an open-ended contract."))
    task_based = forms.BooleanField(label=_("For a given task (以完成一定工作任务为期限)"), required=False)
    first_employment = forms.BooleanField(label=_("First employment (初次就业)"), required=False,
                                          help_text=_("The person has never been employed before: an institutional contract of 3 years or more then has a 12-month probation (事业单位人事管理条例 art. 13)."))
    probation_months = forms.IntegerField(label=_("Probation (months)"), min_value=0, max_value=12, error_messages={
        "max_value": _("No probation is longer than 12 months (劳动合同法 art. 19; 事业单位人事管理条例 art. 13)."),
        "min_value": _("A probation cannot be negative.")})
    agreed_pay = _money(_("Agreed monthly pay (yuan)"))
    probation_pay = _money(_("Monthly pay in probation (yuan)"), required=False)
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    evaluation_method = forms.CharField(label=_("Term evaluation method (聘期考核办法)"), max_length=2000,
                                        widget=forms.Textarea(attrs={"rows": 3}),
                                        help_text=_("How the term is evaluated (三(四)2); the renewal cites the result."))
    reason = _reason(_("Reason for a short institutional term"), required=False)

    def clean(self):
        data = super().clean()
        signed_on, starts_on = data.get("signed_on"), data.get("starts_on")
        # The services compute the term's end from the start; a start years away is a typing error
        # (and 9999-12-31 would run off the calendar).
        if signed_on and starts_on and (starts_on - signed_on).days > MAX_DAYS_TO_START:
            self.add_error("starts_on", _("A contract starts at most a year after it is signed."))
        return data

    def __init__(self, *args, contract: Contract | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # 初次就业 decides only an institutional contract's probation, and a renewal is never a first employment.
        if contract is not None and (contract.kind != Contract.Kind.INSTITUTIONAL or contract.renews_id):
            del self.fields["first_employment"]

    def clean(self):
        data = super().clean()
        data.setdefault("first_employment", False)
        return data

    @classmethod
    def for_contract(cls, contract: Contract, data=None):
        initial = {name: getattr(contract, name) for name in ("starts_on", "term_months", "task_based", "first_employment",
                                                                "probation_months", "agreed_pay", "probation_pay", "post",
                                                                "evaluation_method")}
        initial["signed_on"] = clock.today()
        return cls(data, initial=initial, contract=contract)


class DraftForm(forms.Form):
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=120, required=False,
                                     help_text=_("Empty for an open-ended contract."))
    reason = _reason()


class ReasonForm(forms.Form):
    reason = _reason()


class GradeForm(forms.Form):
    # No grade is preselected: a term passed by a forgotten dropdown is not an evaluation.
    grade = forms.ChoiceField(label=_("Term evaluation (聘期考核)"), choices=[("", "—"), *Contract.TermGrade.choices])
    note = forms.CharField(label=_("Remarks: who assessed, on what"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ProposeForm(forms.Form):
    renew = forms.TypedChoiceField(label=_("Proposal"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
                                   choices=[("yes", _("Renew")), ("no", _("Do not renew"))])
    new_term_months = forms.IntegerField(label=_("New term (months)"), min_value=1, max_value=120, required=False,
                                         help_text=_("Empty for an open-ended contract."))
    person_asked_fixed_term = forms.BooleanField(label=_("The person asked for a fixed term (劳动合同法 art. 14)"), required=False)

    def __init__(self, *args, contract: Contract | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # LAW-OPEN-ENDED binds a 劳动合同 only (HRflow applies it to nothing else): no question to ask otherwise.
        if contract is not None and contract.kind != Contract.Kind.LABOUR:
            del self.fields["person_asked_fixed_term"]

    def clean(self):
        data = super().clean()
        data.setdefault("person_asked_fixed_term", False)
        return data
    reason = _reason(_("Reasons, citing the term's evaluation"))


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "approve", widget=forms.RadioSelect,
                                     choices=[("approve", _("Approve")), ("return", _("Return to HR"))])
    reason = _reason(_("Reasons"))


class DispatchForm(forms.ModelForm):
    reason = _reason()

    class Meta:
        model = DispatchAgreement
        fields = ["agency", "agency_code", "post_nature", "starts_on", "ends_on"]
        widgets = {"starts_on": DATE, "ends_on": DATE}

    def clean_agency_code(self):
        from stdnum.cn import uscc
        from stdnum.exceptions import InvalidChecksum
        from stdnum.exceptions import ValidationError as StdnumError

        code = self.cleaned_data["agency_code"].strip().upper()
        if code:
            try:
                code = uscc.validate(code)
            except InvalidChecksum:
                raise forms.ValidationError(_("The unified social credit code's check character is wrong: check the number.")) from None
            except StdnumError:
                raise forms.ValidationError(_("Not a valid unified social credit code (18 characters, GB 32100).")) from None
        return code


class StateFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All")), *Contract.State.choices])
