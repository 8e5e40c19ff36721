from datetime import date, datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from hrflow.core import clock
from hrflow.core.validators import text_problem
from hrflow.org.models import Gender
from hrflow.people.models import Education

from .applicants import FIELDS as APPLICANT_FIELDS
from .applicants import NAME_MAX, PHONE_MAX, validate_applicant
from .models import MAX_HEADCOUNT, MAX_TERM_MONTHS, Examination, RoundPost, SelectionRound

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The dates a form takes lie in this range. Anything else is a typo or hostile, and a date far
# outside it overflows the database's range once converted to UTC (year 1 in Asia/Shanghai).
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


def validate_plausible_date(value):
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise forms.ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."), code="date_range",
            params={"earliest": date_format(EARLIEST_DATE, "DATE_FORMAT"), "latest": date_format(LATEST_DATE, "DATE_FORMAT")},
        )


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("opens_on", "closes_on", "reference_date"):
            self.fields[name].validators.append(validate_plausible_date)
        for name in ("exam_weight", "interview_weight"):
            _bound(self.fields[name], 0, 100)

    def clean_title(self):
        return _plain_text(self.cleaned_data["title"])

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            # On the field, before the model's constraint would say it again for the whole form.
            self.add_error("closes_on", _("Applications cannot close before they open."))
        return data


def _bound(field, low, high):
    """A number field that says its real range in the message and in the browser."""
    field.min_value, field.max_value = low, high
    field.validators = [v for v in field.validators if not isinstance(v, (MinValueValidator, MaxValueValidator))]
    field.validators += [MinValueValidator(low), MaxValueValidator(high)]
    field.widget.attrs.update(min=low, max=high)


def _plain_text(text):
    problem = text_problem(text)
    if problem:
        raise forms.ValidationError(problem)
    return text


class PostForm(forms.ModelForm):
    class Meta:
        model = RoundPost
        fields = ["title", "category", "headcount", "dorm_gender", "certificate", "employment_type", "term_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bound(self.fields["headcount"], 1, MAX_HEADCOUNT)
        _bound(self.fields["term_months"], 1, MAX_TERM_MONTHS)

    def clean_title(self):
        return _plain_text(self.cleaned_data["title"])

    def clean_certificate(self):
        return _plain_text(self.cleaned_data["certificate"])


# absolute_max bounds the forms built from a posted TOTAL_FORMS (Django's default is 2,000 forms
# built and rendered again on refusal: seconds of work per hostile request).
MAX_POSTS, MAX_MEMBERS = 20, 50
PostFormSet = forms.modelformset_factory(RoundPost, form=PostForm, extra=2, can_delete=True, min_num=1, validate_min=True,
                                         max_num=MAX_POSTS, validate_max=True, absolute_max=MAX_POSTS)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


YES_NO = [(False, _("No")), (True, _("Yes"))]


def _yes_no(label):
    return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=lambda v: v in (True, "True"), widget=forms.RadioSelect, initial=False)


class ApplyForm(forms.Form):
    """The public application form. The attestations are the applicant's own declaration.

    The fields only parse; every rule (lengths, phone, ID number, gender, dates) is
    hiring.applicants.validate_applicant, the same the xlsx import applies."""

    post = forms.ModelChoiceField(label=_("Post applied for"), queryset=RoundPost.objects.none(), empty_label=None)
    name = forms.CharField(label=_("Name"), widget=forms.TextInput(attrs={"maxlength": NAME_MAX}))
    id_number = forms.CharField(label=_("Resident ID number"), widget=forms.TextInput(attrs={"maxlength": 18}))
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect)
    phone = forms.CharField(label=_("Phone"), widget=forms.TextInput(attrs={"maxlength": PHONE_MAX}),
                            help_text=_("A mobile number (11 digits) or a landline with its area code."))
    education = forms.ChoiceField(label=_("Highest education"), choices=Education.choices)
    certificates = forms.CharField(label=_("Certificates held (上岗证), separated by commas"), required=False,
                                   help_text=_("At most 20, each at most 100 characters."))
    cadre = _yes_no(_("Cadre status (干部身份)"))
    criminal_record = _yes_no(_("Do you have a criminal record?"))
    infectious_disease = _yes_no(_("Do you have an infectious disease?"))
    mental_illness_history = _yes_no(_("Do you have a history of mental illness?"))
    declaration = forms.BooleanField(label=_("I declare that the above is true; a false declaration ends the application."))

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = round.posts.all()

    def clean(self):
        cleaned = super().clean()
        raw = {field: cleaned.get(field) for field in APPLICANT_FIELDS}
        self.applicant, errors = validate_applicant(raw, today=clock.today(), phone_required=True)
        for field, message in errors.items():
            if field not in self.errors:  # a field that did not parse already says why
                self.add_error(field, message)
        return cleaned

    def applicant_data(self) -> dict:
        return {field: self.applicant[field] for field in APPLICANT_FIELDS}


class StatusForm(forms.Form):
    code = forms.CharField(label=_("Application code"), max_length=16)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=18)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Applicants (xlsx, from the template)"))
    reason = forms.CharField(
        label=_("Why these applications are imported after the deadline"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Required once applications have closed, e.g. paper applications received in time."),
    )

    def __init__(self, *args, round=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.late = round is not None and clock.today() > round.closes_on
        if round is not None and not self.late:
            del self.fields["reason"]  # nothing to explain while the window is open

    def clean_reason(self):
        reason = self.cleaned_data.get("reason", "").strip()
        if self.late and not reason:
            raise forms.ValidationError(_("Applications have closed: say why these applications are imported now."))
        return reason


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
    held_on = forms.DateField(label=_("When"), widget=DATE, validators=[validate_plausible_date])
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    refutes_attestation = forms.BooleanField(label=_("The result refutes the applicant's health attestation"), required=False)


class ReviewForm(forms.Form):
    held_at = forms.DateTimeField(label=_("Held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                  validators=[validate_plausible_date])
    place = forms.CharField(label=_("Place"), max_length=200)
    minutes = forms.CharField(label=_("Minutes"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Member"), max_length=100)
    attended = forms.BooleanField(label=_("Attended"), required=False, initial=True)
    recused = forms.BooleanField(label=_("Recused"), required=False)
    recusal_reason = forms.CharField(label=_("Recusal reason"), max_length=200, required=False)


MemberFormSet = forms.formset_factory(MemberForm, extra=5, min_num=1, validate_min=True,
                                      max_num=MAX_MEMBERS, validate_max=True, absolute_max=MAX_MEMBERS)


class PublicityStartForm(forms.Form):
    starts_on = forms.DateField(label=_("Publicity starts on"), widget=DATE, validators=[validate_plausible_date])


class ObjectionForm(forms.Form):
    application = forms.ModelChoiceField(label=_("Objection about"), queryset=None, empty_label=None)
    filed_by = forms.CharField(label=_("Your name"), max_length=100)
    contact = forms.CharField(label=_("Phone or e-mail"), max_length=100)
    text = forms.CharField(label=_("Objection and its grounds"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications
        self.fields["application"].label_from_instance = lambda a: f"{a.name} · {a.post.title}"


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(label=_("Decision"), choices=[(False, _("Dismiss")), (True, _("Uphold: withdraw the candidate"))],
                                    coerce=lambda v: v in (True, "True"), widget=forms.RadioSelect)
    resolution = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class FinishPublicityForm(forms.Form):
    propose_next = forms.BooleanField(label=_("Call the next in rank for withdrawn places"), required=False)


class HireForm(forms.Form):
    acknowledge_overlap = forms.BooleanField(label=_("I have seen this person's other applications or employment"), required=False)
    # Only for a person who works at another school now (hrflow.people.services.employment_link).
    link = forms.ChoiceField(label=_("The person works at another school now"), required=False, widget=forms.RadioSelect,
                             choices=[("transfer", _("Transfer: the person leaves that school for this one")),
                                      ("new", _("A second employment (only where part-time work is allowed)"))])
    reason = forms.CharField(label=_("Reason for the transfer or second employment"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


SCORE_PREFIX = "score-"


class ScoreSheetForm(forms.Form):
    """The score grid of a round: a cell per eligible applicant, weighted component and rater,
    each a decimal from 0 to 100 with at most two decimals (Django's DecimalField refuses NaN
    and infinities). Only the cells posted change; a cell posted empty is cleared. A posted
    score key that is not a cell of this grid is refused, not ignored."""

    def __init__(self, data, *, applications, raters, components):
        super().__init__(data)
        self.cells = {}
        for application in applications:
            for component, label in components:
                for rater in raters:
                    name = f"{SCORE_PREFIX}{application.pk}-{rater.pk}-{component}"
                    self.fields[name] = forms.DecimalField(
                        label=f"{application.name} · {label} · {rater.name}", required=False,
                        min_value=0, max_value=100, max_digits=5, decimal_places=2,
                    )
                    self.cells[name] = (application.pk, rater.pk, component)

    def clean(self):
        unknown = [key for key in self.data if key.startswith(SCORE_PREFIX) and key not in self.cells]
        if unknown:
            shown = "、".join(key[:40] for key in unknown[:3])
            raise forms.ValidationError(_("Not a cell of this score sheet: %(keys)s."), params={"keys": shown}, code="unknown_cell")
        return self.cleaned_data

    def entries(self) -> list[tuple[int, int, str, object]]:
        """(application id, rater id, component, value or None) of the cells posted."""
        return [(*self.cells[name], self.cleaned_data[name]) for name in self.cells if name in self.data]


MAX_VOTES = 999
VOTE_KINDS = (("for", _("for")), ("against", _("against")), ("abstain", _("abstaining")))


class VotesForm(forms.Form):
    """The votes on each motion of a collective review: whole numbers of members, from 0."""

    def __init__(self, data, *, agenda):
        super().__init__(data)
        self.keys = [item["key"] for item in agenda]
        for item in agenda:
            name = item["application"].name
            motion = (_("Override of %(rule)s for %(name)s") % {"rule": item["finding"].rule, "name": name} if item["finding"]
                      else _("Hire of %(name)s") % {"name": name})
            for kind, label in VOTE_KINDS:
                self.fields[f"{item['key']}-{kind}"] = forms.IntegerField(
                    label=_("%(motion)s, votes %(kind)s") % {"motion": motion, "kind": label}, min_value=0, max_value=MAX_VOTES,
                )

    def votes(self) -> dict[str, tuple[int, int, int]]:
        return {key: tuple(self.cleaned_data[f"{key}-{kind}"] for kind, _label in VOTE_KINDS) for key in self.keys}


def error_text(*forms_) -> str:
    """Every error of the forms, each with its field's label: one line for a message."""
    parts = []
    for form in forms_:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else None
            parts += [f"{label}：{error}" if label else str(error) for error in errors]
    shown = parts[:6] + (["…"] if len(parts) > 6 else [])
    return "；".join(str(part) for part in shown)
