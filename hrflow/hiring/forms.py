from django import forms
from django.utils.translation import gettext_lazy as _

from hrflow.org.models import Gender
from hrflow.people.models import Education

from .models import Examination, RoundPost, SelectionRound

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoundForm(forms.ModelForm):
    class Meta:
        model = SelectionRound
        fields = ["title", "procedure", "extra_criteria", "exam_weight", "interview_weight", "tie_break",
                  "pay_and_treatment", "opens_on", "closes_on", "reference_date"]
        widgets = {
            "procedure": forms.Textarea(attrs={"rows": 4}), "extra_criteria": forms.Textarea(attrs={"rows": 3}),
            "pay_and_treatment": forms.Textarea(attrs={"rows": 3}),
            "opens_on": DATE, "closes_on": DATE, "reference_date": DATE,
        }


class PostForm(forms.ModelForm):
    class Meta:
        model = RoundPost
        fields = ["title", "category", "headcount", "dorm_gender", "certificate", "employment_type", "term_months"]


PostFormSet = forms.modelformset_factory(RoundPost, form=PostForm, extra=2, can_delete=True, min_num=1, validate_min=True)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


YES_NO = [(False, _("No")), (True, _("Yes"))]


def _yes_no(label):
    return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=lambda v: v in (True, "True"), widget=forms.RadioSelect, initial=False)


class ApplyForm(forms.Form):
    """The public application form. The attestations are the applicant's own declaration."""

    post = forms.ModelChoiceField(label=_("Post applied for"), queryset=RoundPost.objects.none(), empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=100)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=18)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect)
    phone = forms.CharField(label=_("Phone"), max_length=32)
    education = forms.ChoiceField(label=_("Highest education"), choices=Education.choices)
    certificates = forms.CharField(label=_("Certificates held (上岗证), separated by commas"), required=False)
    cadre = _yes_no(_("Cadre status (干部身份)"))
    criminal_record = _yes_no(_("Do you have a criminal record?"))
    infectious_disease = _yes_no(_("Do you have an infectious disease?"))
    mental_illness_history = _yes_no(_("Do you have a history of mental illness?"))
    declaration = forms.BooleanField(label=_("I declare that the above is true; a false declaration ends the application."))

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = round.posts.all()

    def applicant_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in ("name", "id_number", "gender", "phone", "education", "cadre",
                                                   "criminal_record", "infectious_disease", "mental_illness_history")}
        data["certificates"] = split_certificates(self.cleaned_data["certificates"])
        return data


def split_certificates(text: str) -> list[str]:
    parts = (text or "").replace("，", ",").replace("、", ",").split(",")
    return [p.strip() for p in parts if p.strip()]


class StatusForm(forms.Form):
    code = forms.CharField(label=_("Application code"), max_length=16)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=18)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Applicants (xlsx, from the template)"))


class RaterForm(forms.Form):
    name = forms.CharField(label=_("Rater's name"), max_length=100)


class RecusalForm(forms.Form):
    rater = forms.ModelChoiceField(label=_("Rater"), queryset=None)
    application = forms.ModelChoiceField(label=_("Applicant"), queryset=None)
    reason = forms.CharField(label=_("Conflict (e.g. 近亲属)"), max_length=200)

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rater"].queryset = round.raters.all()
        self.fields["application"].queryset = round.applications.filter(state="eligible").order_by("post", "name")


class ExaminationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Examination"), choices=Examination.Kind.choices)
    passed = forms.TypedChoiceField(label=_("Result"), choices=[(True, _("Passed")), (False, _("Failed"))],
                                    coerce=lambda v: v in (True, "True"), widget=forms.RadioSelect)
    place = forms.CharField(label=_("Where"), max_length=200)
    held_on = forms.DateField(label=_("When"), widget=DATE)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    refutes_attestation = forms.BooleanField(label=_("The result refutes the applicant's health attestation"), required=False)


class ReviewForm(forms.Form):
    held_at = forms.DateTimeField(label=_("Held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("Place"), max_length=200)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}))


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Member"), max_length=100)
    attended = forms.BooleanField(label=_("Attended"), required=False, initial=True)
    recused = forms.BooleanField(label=_("Recused"), required=False)
    recusal_reason = forms.CharField(label=_("Recusal reason"), max_length=200, required=False)


MemberFormSet = forms.formset_factory(MemberForm, extra=5, min_num=1, validate_min=True)


class PublicityStartForm(forms.Form):
    starts_on = forms.DateField(label=_("Publicity starts on"), widget=DATE)


class ObjectionForm(forms.Form):
    application = forms.ModelChoiceField(label=_("Objection about"), queryset=None, empty_label=None)
    filed_by = forms.CharField(label=_("Your name"), max_length=100)
    contact = forms.CharField(label=_("Phone or e-mail"), max_length=100)
    text = forms.CharField(label=_("Objection and its grounds"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications
        self.fields["application"].label_from_instance = lambda a: f"{a.name} · {a.post.title}"


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(label=_("Decision"), choices=[(False, _("Dismiss")), (True, _("Uphold: withdraw the candidate"))],
                                    coerce=lambda v: v in (True, "True"), widget=forms.RadioSelect)
    resolution = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class FinishPublicityForm(forms.Form):
    propose_next = forms.BooleanField(label=_("Call the next in rank for withdrawn places"), required=False)


class HireForm(forms.Form):
    acknowledge_overlap = forms.BooleanField(label=_("I have seen this person's other applications or employment"), required=False)
