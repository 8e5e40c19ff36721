"""Open selection (公开遴选): rounds, posts, applications, findings, scores, examinations,
collective reviews and publicity. 川教函〔2021〕569号 三(四)1; 事业单位人事管理条例 arts. 8, 9, 39."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from hrflow.org.models import Gender, School
from hrflow.people.models import Education, EmploymentType, PostCategoryChoices, Staff

# With the ID masked, the birth date would leave two digits of it to guess: masked together.
APPLICATION_SENSITIVE_FIELDS = ("id_number", "birth_date", "criminal_record", "infectious_disease", "mental_illness_history")
# A round hires a handful of people per post; a fixed term beyond ten years is a typo (an
# open-ended contract has no term).
MAX_HEADCOUNT, MAX_TERM_MONTHS = 999, 120
# No 0/O or 1/I/L: the code is read aloud and typed by applicants.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_application_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


class TieBreak(models.TextChoices):
    INTERVIEW = "interview", _("Higher interview score first, then higher written-exam score")
    EXAM = "exam", _("Higher written-exam score first, then higher interview score")
    EDUCATION = "education", _("Higher education level first, then higher interview score")


class SelectionRound(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Plan in preparation")
        PENDING_APPROVAL = "pending_approval", _("Awaiting leadership approval")
        APPROVED = "approved", _("Plan approved")
        OPEN = "open", _("Announced, taking applications")
        SCREENING = "screening", _("Eligibility screening")
        ASSESSING = "assessing", _("Exam and interview")
        EXAMINING = "examining", _("Medical examination and background check")
        REVIEWING = "reviewing", _("Awaiting collective review")
        REVIEWED = "reviewed", _("Collective review passed")
        PUBLICITY = "publicity", _("Publicity (公示)")
        HIRING = "hiring", _("Hiring")
        CLOSED = "closed", _("Closed")
        ENDED = "ended", _("Ended early")

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="selection_rounds")
    title = models.CharField(_("title"), max_length=200)
    procedure = models.TextField(_("procedure"), help_text=_("The steps and their dates, as published."))
    extra_criteria = models.TextField(_("additional criteria of the school"), blank=True)
    exam_weight = models.PositiveSmallIntegerField(_("written exam weight (%)"), default=40)
    interview_weight = models.PositiveSmallIntegerField(_("interview weight (%)"), default=60)
    tie_break = models.CharField(_("tie-break rule"), max_length=16, choices=TieBreak.choices, default=TieBreak.INTERVIEW)
    pay_and_treatment = models.TextField(_("pay and treatment"))
    opens_on = models.DateField(_("applications open on"))
    closes_on = models.DateField(_("applications close on"), help_text=_("Applications are taken until the end of this day."))
    reference_date = models.DateField(_("reference date for age"), null=True, blank=True, help_text=_("Empty: the closing date."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    approval_note = models.TextField(_("leadership's note"), blank=True)
    end_reason = models.TextField(_("reason the round ended"), blank=True)
    screening_status = models.CharField(_("screening job"), max_length=16, blank=True)
    screening_error = models.TextField(_("screening error"), blank=True)
    process = models.OneToOneField("viewflow.Process", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="selection_round")
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("selection round")
        verbose_name_plural = _("selection rounds")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(exam_weight__lte=100) & Q(interview_weight__lte=100), name="round_weights_percent",
                                   violation_error_message=_("Each weight is a percentage from 0 to 100.")),
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="round_window_ordered",
                                   violation_error_message=_("Applications cannot close before they open.")),
        ]

    def __str__(self):
        return self.title

    @property
    def scope_path(self):
        return self.school.unit.path

    @property
    def screening_error_display(self):
        """The job's failure, stored as a message id, in the reader's language."""
        return gettext(self.screening_error) if self.screening_error else ""

    @property
    def as_of(self):
        """The reference date for age: the round's own, else its closing date (POLICY local practice)."""
        return self.reference_date or self.closes_on

    # Transitions change state only; hiring.services does the rest.
    @transition(field=state, source=State.DRAFT, target=State.PENDING_APPROVAL)
    def submit(self):
        pass

    @transition(field=state, source=State.PENDING_APPROVAL, target=State.APPROVED)
    def approve(self):
        pass

    @transition(field=state, source=State.PENDING_APPROVAL, target=State.DRAFT)
    def reject(self):
        pass

    @transition(field=state, source=State.APPROVED, target=State.OPEN)
    def publish(self):
        pass

    @transition(field=state, source=State.APPROVED, target=State.DRAFT)
    def revise(self):
        pass

    @transition(field=state, source=State.OPEN, target=State.SCREENING)
    def close_applications(self):
        pass

    @transition(field=state, source=State.SCREENING, target=State.ASSESSING)
    def finish_screening(self):
        pass

    @transition(field=state, source=State.ASSESSING, target=State.EXAMINING)
    def finish_assessment(self):
        pass

    @transition(field=state, source=State.EXAMINING, target=State.REVIEWING)
    def finish_examination(self):
        pass

    @transition(field=state, source=State.REVIEWING, target=State.REVIEWED)
    def pass_review(self):
        pass

    @transition(field=state, source=[State.REVIEWING, State.PUBLICITY], target=State.EXAMINING)
    def propose_next(self):
        pass

    @transition(field=state, source=State.REVIEWED, target=State.PUBLICITY)
    def start_publicity(self):
        pass

    @transition(field=state, source=State.PUBLICITY, target=State.HIRING)
    def finish_publicity(self):
        pass

    @transition(field=state, source=State.HIRING, target=State.CLOSED)
    def close(self):
        pass

    @transition(field=state, source=[
        State.DRAFT, State.PENDING_APPROVAL, State.APPROVED, State.OPEN, State.SCREENING, State.ASSESSING,
        State.EXAMINING, State.REVIEWING, State.REVIEWED, State.PUBLICITY, State.HIRING,
    ], target=State.ENDED)
    def end(self):
        pass


class RoundPost(models.Model):
    round = models.ForeignKey(SelectionRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(_("post"), max_length=100)
    category = models.CharField(_("post category"), max_length=16, choices=PostCategoryChoices.choices)
    headcount = models.PositiveSmallIntegerField(_("headcount"), default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_HEADCOUNT)])
    dorm_gender = models.CharField(_("residents' gender"), max_length=1, choices=Gender.choices, blank=True, help_text=_("Dormitory posts only."))
    certificate = models.CharField(_("required certificate (上岗证)"), max_length=100, blank=True, help_text=_("Technical posts only."))
    employment_type = models.CharField(_("employment type"), max_length=32, choices=EmploymentType.choices, default=EmploymentType.CONTRACT)
    term_months = models.PositiveSmallIntegerField(_("contract term (months)"), null=True, blank=True, default=36,
                                                   validators=[MinValueValidator(1), MaxValueValidator(MAX_TERM_MONTHS)],
                                                   help_text=_("Empty: open-ended."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("post in a round")
        verbose_name_plural = _("posts in a round")
        ordering = ["round", "id"]
        constraints = [models.CheckConstraint(condition=Q(headcount__gte=1), name="round_post_headcount_positive",
                                              violation_error_message=_("A post has at least one place."))]

    def __str__(self):
        return f"{self.title} ×{self.headcount}"

    @property
    def scope_path(self):
        return self.round.school.unit.path

    def policy_post(self) -> dict:
        """The mapping hrflow.policy.screen expects."""
        return {"category": self.category, "dorm_gender": self.dorm_gender or None, "certificate": self.certificate}


class Application(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ELIGIBLE = "eligible", _("Eligible")
        FLAGGED = "flagged", _("Soft finding to decide")
        EXCLUDED = "excluded", _("Not eligible")
        EXAMINING = "examining", _("In medical examination and background check")
        EXAMINED = "examined", _("Passed examination")
        FAILED_EXAMINATION = "failed_examination", _("Failed examination")
        PROPOSED = "proposed", _("Proposed for hire")
        APPROVED = "approved", _("Approved by collective review")
        NOT_SELECTED = "not_selected", _("Not selected")
        WITHDRAWN = "withdrawn", _("Withdrawn after an objection")
        HIRED = "hired", _("Hired")

    class Source(models.TextChoices):
        ONLINE = "online", _("Online")
        IMPORT = "import", _("Imported by HR")

    round = models.ForeignKey(SelectionRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="applications")
    post = models.ForeignKey(RoundPost, verbose_name=_("post"), on_delete=models.PROTECT, related_name="applications")
    code = models.CharField(_("application code"), max_length=16, unique=True, default=new_application_code, editable=False)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    id_number = models.CharField(_("resident ID number"), max_length=18)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    education = models.CharField(_("education"), max_length=32, choices=Education.choices)
    certificates = models.JSONField(_("certificates"), default=list, blank=True)
    cadre = models.BooleanField(_("cadre status (干部身份)"), default=False)
    criminal_record = models.BooleanField(_("criminal record"), default=False)
    infectious_disease = models.BooleanField(_("infectious disease"), default=False)
    mental_illness_history = models.BooleanField(_("history of mental illness"), default=False)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.ONLINE)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    exam_score = models.DecimalField(_("written exam"), max_digits=6, decimal_places=2, null=True, blank=True)
    interview_score = models.DecimalField(_("interview"), max_digits=6, decimal_places=2, null=True, blank=True)
    total_score = models.DecimalField(_("total"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    called_on = models.DateField(_("called to the examinations on"), null=True, blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    staff = models.OneToOneField(Staff, verbose_name=_("staff record"), null=True, blank=True, on_delete=models.PROTECT, related_name="application")
    state = FSMField(_("state"), default=State.SUBMITTED, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["post", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "id_number"], name="application_once_per_round")]
        indexes = [models.Index(fields=["round", "state"]), models.Index(fields=["id_number"])]

    def __str__(self):
        return f"{self.name} · {self.post.title}"

    @property
    def scope_path(self):
        return self.round.school.unit.path

    @property
    def age(self):
        """Full years today: shown where the ID is masked, instead of the birth date."""
        from django.utils import timezone

        from hrflow.policy import age_on

        return age_on(self.birth_date, max(self.birth_date, timezone.localdate()))

    def policy_applicant(self) -> dict:
        return {
            "id_number": self.id_number, "gender": self.gender, "education": self.education,
            "certificates": list(self.certificates or []), "cadre": self.cadre,
            "criminal_record": self.criminal_record, "infectious_disease": self.infectious_disease,
            "mental_illness_history": self.mental_illness_history,
        }

    @transition(field=state, source=State.SUBMITTED, target=State.ELIGIBLE)
    def mark_eligible(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.FLAGGED)
    def flag(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.FLAGGED, State.PROPOSED], target=State.EXCLUDED)
    def exclude(self):
        pass

    @transition(field=state, source=State.FLAGGED, target=State.ELIGIBLE)
    def clear_flags(self):
        pass

    @transition(field=state, source=State.ELIGIBLE, target=State.EXAMINING)
    def call_for_examination(self):
        pass

    @transition(field=state, source=State.EXAMINING, target=State.EXAMINED)
    def pass_examination(self):
        pass

    @transition(field=state, source=State.EXAMINING, target=State.FAILED_EXAMINATION)
    def fail_examination(self):
        pass

    @transition(field=state, source=State.EXAMINED, target=State.PROPOSED)
    def propose(self):
        pass

    @transition(field=state, source=State.PROPOSED, target=State.APPROVED)
    def approve(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.FLAGGED, State.ELIGIBLE, State.EXAMINING, State.EXAMINED,
                                     State.PROPOSED, State.APPROVED], target=State.NOT_SELECTED)
    def not_select(self):
        pass

    @transition(field=state, source=State.APPROVED, target=State.WITHDRAWN)
    def withdraw(self):
        pass

    @transition(field=state, source=State.APPROVED, target=State.HIRED)
    def hire(self):
        pass


def application_schools(application_ids):
    """Application id -> {school id}: whose HR may read the applicant's sensitive data."""
    rows = Application.objects.filter(pk__in=application_ids).values_list("pk", "round__school_id")
    return {pk: {school_id} for pk, school_id in rows}


class Finding(models.Model):
    """One failing rule of the screening, stored with its clause (hrflow.policy.screen)."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="findings")
    rule = models.CharField(_("rule"), max_length=32)
    clause = models.CharField(_("clause"), max_length=16)
    hard = models.BooleanField(_("hard rule"))
    template = models.TextField(_("message"))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("overridden by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed = models.BooleanField(_("override confirmed by collective review"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("screening finding")
        verbose_name_plural = _("screening findings")
        ordering = ["application", "-hard", "rule"]
        indexes = [models.Index(fields=["application", "hard"])]

    def __str__(self):
        # A rule code travels with its title: ELIG-AGE-M 男性年龄在60周岁以下 · 三(三).
        from django.utils.translation import gettext

        from hrflow.policy import RULES

        rule = RULES.get(self.rule)
        title = gettext(rule.title) if rule else ""
        return " ".join(part for part in (self.rule, title, "·", self.clause) if part)

    @property
    def overridden(self):
        return bool(self.override_reason)


class Rater(models.Model):
    """A member of the exam or interview panel (scores are kept per rater)."""

    round = models.ForeignKey(SelectionRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="raters")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rater")
        verbose_name_plural = _("raters")
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="rater_unique_name_per_round")]

    def __str__(self):
        return self.name


class Recusal(models.Model):
    """INST-RECUSAL (条例 art. 39): a rater with a conflict (近亲属) does not score that applicant."""

    rater = models.ForeignKey(Rater, verbose_name=_("rater"), on_delete=models.CASCADE, related_name="recusals")
    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="recusals")
    reason = models.TextField(_("reason"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        constraints = [models.UniqueConstraint(fields=["rater", "application"], name="recusal_once")]

    def __str__(self):
        return f"{self.rater} · {self.application}"


class Score(models.Model):
    class Component(models.TextChoices):
        EXAM = "exam", _("Written exam")
        INTERVIEW = "interview", _("Interview")

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="scores")
    rater = models.ForeignKey(Rater, verbose_name=_("rater"), on_delete=models.PROTECT, related_name="scores")
    component = models.CharField(_("component"), max_length=16, choices=Component.choices)
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["application", "rater", "component"], name="score_once_per_rater"),
            models.CheckConstraint(condition=Q(value__gte=0) & Q(value__lte=100), name="score_0_to_100"),
        ]

    def __str__(self):
        return f"{self.application} · {self.get_component_display()} · {self.rater}"


class Examination(models.Model):
    """Medical examination (体检) and background check (考察): 条例 art. 9."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("Medical examination (体检)")
        BACKGROUND = "background", _("Background check (考察)")

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="examinations")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    passed = models.BooleanField(_("passed"))
    place = models.CharField(_("where"), max_length=200)
    held_on = models.DateField(_("when"))
    notes = models.TextField(_("notes"), blank=True)
    refutes_attestation = models.BooleanField(_("refutes the applicant's health attestation"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("examination")
        verbose_name_plural = _("examinations")
        ordering = ["application", "kind"]
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="examination_once_per_kind")]

    def __str__(self):
        return f"{self.application} · {self.get_kind_display()}"


class CollectiveReview(models.Model):
    """集体研究: the meeting that decides hires and confirms soft-rule overrides."""

    round = models.ForeignKey(SelectionRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="reviews")
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200)
    minutes = models.TextField(_("minutes"))
    quorum_met = models.BooleanField(_("quorum met"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("collective review")
        verbose_name_plural = _("collective reviews")
        ordering = ["round", "held_at"]

    def __str__(self):
        from django.utils import formats, timezone

        return f"{self._meta.verbose_name} {formats.date_format(timezone.localtime(self.held_at), 'DATETIME_FORMAT')} {self.place}"


class ReviewMember(models.Model):
    review = models.ForeignKey(CollectiveReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="members")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    attended = models.BooleanField(_("attended"), default=True)
    recused = models.BooleanField(_("recused"), default=False)
    recusal_reason = models.CharField(_("recusal reason"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review member")
        verbose_name_plural = _("review members")
        ordering = ["review", "id"]

    def __str__(self):
        return self.name


class ReviewItem(models.Model):
    class Kind(models.TextChoices):
        HIRE = "hire", _("Proposed hire")
        OVERRIDE = "override", _("Soft-rule override")

    review = models.ForeignKey(CollectiveReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="review_items")
    finding = models.ForeignKey(Finding, verbose_name=_("finding"), null=True, blank=True, on_delete=models.PROTECT, related_name="review_items")
    votes_for = models.PositiveSmallIntegerField(_("for"))
    votes_against = models.PositiveSmallIntegerField(_("against"))
    votes_abstain = models.PositiveSmallIntegerField(_("abstain"))
    passed = models.BooleanField(_("passed"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["review", "application", "kind", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.application}"


class Publicity(models.Model):
    """公示 of the proposed hires for a number of working days (条例 art. 9)."""

    round = models.ForeignKey(SelectionRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="publicities")
    starts_on = models.DateField(_("starts on"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    ends_on = models.DateField(_("ends on"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("publicity")
        verbose_name_plural = _("publicities")
        ordering = ["round", "-starts_on"]

    def __str__(self):
        from django.utils import formats

        return f"{self._meta.verbose_name} {formats.date_format(self.starts_on)} – {formats.date_format(self.ends_on)}"

    @property
    def scope_path(self):
        return self.round.school.unit.path


class Objection(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    publicity = models.ForeignKey(Publicity, verbose_name=_("publicity"), on_delete=models.PROTECT, related_name="objections")
    application = models.ForeignKey(Application, verbose_name=_("about"), on_delete=models.PROTECT, related_name="objections")
    filed_by = models.CharField(_("filed by"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100)
    text = models.TextField(_("objection"))
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    resolution = models.TextField(_("resolution"), blank=True)
    state = FSMField(_("state"), default=State.OPEN, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["publicity", "filed_at"]

    def __str__(self):
        return f"{self._meta.verbose_name} · {self.application}"

    @property
    def scope_path(self):
        return self.publicity.round.school.unit.path

    @transition(field=state, source=State.OPEN, target=State.UPHELD)
    def uphold(self):
        pass

    @transition(field=state, source=State.OPEN, target=State.DISMISSED)
    def dismiss(self):
        pass


class CalendarDay(models.Model):
    """The admin-maintained calendar: holidays and make-up working days the library lacks."""

    day = models.DateField(_("day"), unique=True)
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]

    def __str__(self):
        from django.utils import formats

        kind = _("working day") if self.is_working else _("day of rest")
        return f"{formats.date_format(self.day)} {kind}"
