"""Appraisal (考核): cycles, self / peer / leadership evaluation, the composite and grades.

A cycle is opened by a school for its staff, or by a bureau for every school below it; each school
of a cycle is graded as its own unit (the 优秀 quota is per school, and per post group when the
cycle says so) and approved by its own leaders (SchoolCycle). The cycle's state is its FSM;
the human steps of its owner run in workflows.flows.AppraisalFlow.

Peer ratings (民主测评) are anonymous by construction: a PeerRating has no rater and no user in its
history; it is found again by its rater through a keyed hash of (rater, rated person), which only
the service computes. PeerAssignment says who must rate whom and whether they answered, never how.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from hrflow.org.models import OrgUnit, School
from hrflow.people.models import Education, PostCategoryChoices, Staff
from hrflow.policy import Grade


class GradeChoices(models.TextChoices):
    EXCELLENT = Grade.EXCELLENT, _("Excellent (优秀)")
    COMPETENT = Grade.COMPETENT, _("Competent (合格)")
    BASIC = Grade.BASIC, _("Basically competent (基本合格)")
    INCOMPETENT = Grade.INCOMPETENT, _("Incompetent (不合格)")


class PostGroup(models.TextChoices):
    """Graded apart when the cycle says so: management posts and 工勤技能 (service and skill) posts."""

    SERVICE = "service", _("Service and skill posts (工勤技能)")
    MANAGEMENT = "management", _("Management posts")


def post_group_of(post_category: str) -> str:
    return PostGroup.MANAGEMENT if post_category == "management" else PostGroup.SERVICE


class Cycle(ConcurrentTransitionMixin, models.Model):
    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual appraisal (年度考核)")
        TERM = "term", _("Contract-term evaluation (聘期考核)")

    class State(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        SELF = "self", _("Self-evaluation")
        PEER = "peer", _("Peer evaluation")
        LEADER = "leader", _("Leadership evaluation")
        GRADING = "grading", _("Composite and grades")
        APPROVAL = "approval", _("Awaiting leadership approval")
        PUBLISHED = "published", _("Published, appeals open")
        CLOSED = "closed", _("Closed")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="appraisal_cycles",
                             help_text=_("A school for its own staff, or a bureau for every school below it."))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ANNUAL)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    # Local practice (POLICY.md): copied from HRFLOW["APPRAISAL"] when the cycle is created, then the cycle's own.
    weight_self = models.PositiveSmallIntegerField(_("self-evaluation weight (%)"))
    weight_peer = models.PositiveSmallIntegerField(_("peer evaluation weight (%)"))
    weight_leader = models.PositiveSmallIntegerField(_("leadership evaluation weight (%)"))
    excellent_share = models.DecimalField(_("largest share of 优秀"), max_digits=7, decimal_places=6)
    excellent_min = models.PositiveSmallIntegerField(_("优秀 from"))
    pass_min = models.PositiveSmallIntegerField(_("合格 from"))
    basic_min = models.PositiveSmallIntegerField(_("基本合格 from"))
    peers_per_person = models.PositiveSmallIntegerField(_("peer raters per person"))
    min_raters = models.PositiveSmallIntegerField(_("fewest answers for a peer result"))
    trim_from = models.PositiveSmallIntegerField(_("drop the highest and lowest peer score from"))
    separate_groups = models.BooleanField(_("grade management and service posts apart"), default=False)
    appeal_days = models.PositiveSmallIntegerField(_("appeal window (days)"))
    # Due days: whoever is late after them is reminded once (hrflow.appraisal.jobs).
    self_due = models.DateField(_("self-evaluation due"), null=True, blank=True)
    peer_due = models.DateField(_("peer ratings due"), null=True, blank=True)
    leader_due = models.DateField(_("leadership scores due"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    appeals_until = models.DateField(_("appeals until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    process = models.OneToOneField("viewflow.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="appraisal_cycle")
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appraisal cycle")
        verbose_name_plural = _("appraisal cycles")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="cycle_period_ordered",
                                   violation_error_message=_("The period cannot end before it starts.")),
            models.CheckConstraint(condition=Q(weight_self__lte=100, weight_peer__lte=100, weight_leader__lte=100), name="cycle_weights_bounded"),
        ]

    def __str__(self):
        return self.name

    @property
    def scope_path(self):
        return self.unit.path

    @property
    def weights(self) -> tuple[int, int, int]:
        return (self.weight_self, self.weight_peer, self.weight_leader)

    @property
    def results_visible(self) -> bool:
        """Staff see their results only once published (issue 11)."""
        return self.state in (self.State.PUBLISHED, self.State.CLOSED)

    @transition(field=state, source=State.DRAFT, target=State.SELF)
    def open(self):
        pass

    @transition(field=state, source=State.SELF, target=State.PEER)
    def begin_peer(self):
        pass

    @transition(field=state, source=State.PEER, target=State.LEADER)
    def begin_leader(self):
        pass

    @transition(field=state, source=State.LEADER, target=State.GRADING)
    def begin_grading(self):
        pass

    @transition(field=state, source=State.GRADING, target=State.APPROVAL)
    def submit(self):
        pass

    @transition(field=state, source=State.APPROVAL, target=State.PUBLISHED)
    def publish(self):
        pass

    @transition(field=state, source=State.PUBLISHED, target=State.CLOSED)
    def close(self):
        pass


class SchoolCycle(ConcurrentTransitionMixin, models.Model):
    """One school's part of a cycle: its grading unit, its 优秀 places and its leaders' approval."""

    class State(models.TextChoices):
        OPEN = "open", _("In progress")
        GRADED = "graded", _("Graded, awaiting approval")
        RETURNED = "returned", _("Returned for regrading")
        APPROVED = "approved", _("Approved")

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="appraisal_cycles")
    enrolled = models.PositiveIntegerField(_("enrolled"), default=0)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision_note = models.TextField(_("leadership's note"), blank=True, max_length=2000)
    state = FSMField(_("state"), default=State.OPEN, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school's appraisal")
        verbose_name_plural = _("schools' appraisals")
        ordering = ["cycle", "school__unit__path"]
        constraints = [models.UniqueConstraint(fields=["cycle", "school"], name="school_cycle_once")]

    def __str__(self):
        return _("%(cycle)s at %(school)s") % {"cycle": self.cycle.name, "school": self.school.unit.name}

    @property
    def scope_path(self):
        return self.school.unit.path

    @transition(field=state, source=[State.OPEN, State.GRADED, State.RETURNED], target=State.GRADED)
    def graded(self):
        pass

    @transition(field=state, source=State.GRADED, target=State.RETURNED)
    def return_for_regrading(self):
        pass

    @transition(field=state, source=State.GRADED, target=State.APPROVED)
    def approve(self):
        pass


class Committee(models.Model):
    """A school's appraisal committee (考核委员会): it decides how a person lacking a part is scored,
    and the appeals. At least a third of its members are staff representatives (a setting)."""

    school = models.OneToOneField(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="appraisal_committee")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appraisal committee")
        verbose_name_plural = _("appraisal committees")

    def __str__(self):
        return _("Appraisal committee of %(school)s") % {"school": self.school.unit.name}

    @property
    def scope_path(self):
        return self.school.unit.path


class CommitteeMember(models.Model):
    committee = models.ForeignKey(Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="members")
    staff = models.ForeignKey(Staff, verbose_name=_("member"), on_delete=models.PROTECT, related_name="committee_seats")
    staff_rep = models.BooleanField(_("staff representative (职工代表)"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["committee", "staff__person__name", "id"]
        constraints = [models.UniqueConstraint(fields=["committee", "staff"], name="committee_member_once")]

    def __str__(self):
        return self.staff.person.name

    @property
    def scope_path(self):
        return self.committee.school.unit.path


class Appraisal(ConcurrentTransitionMixin, models.Model):
    """One enrolled staff member's appraisal in a cycle: their self-evaluation, the leadership's
    score, the peer result as aggregates only, the composite and the grade with where it came from."""

    class Scoring(models.TextChoices):
        STANDARD = "standard", _("Self, peer and leadership parts with the cycle's weights")
        RENORMALISED = "renormalised", _("Weights re-normalised over the parts present")
        NOT_GRADED = "not_graded", _("Not graded this cycle (不定等次)")

    class GradeSource(models.TextChoices):
        COMPUTED = "computed", _("From the composite and the quota")
        TIE = "tie", _("Leadership's decision on a tie at the 优秀 cut")
        CHANGED = "changed", _("Changed by leadership with a written reason")
        VETO = "veto", _("One-vote veto (VETO-GRADE)")
        COMMITTEE = "committee", _("Committee decision")

    DIMENSIONS = ("self_morals", "self_ability", "self_diligence", "self_results", "self_integrity")

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="appraisals")
    staff = models.ForeignKey(Staff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="appraisals")
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    post_group = models.CharField(_("post group"), max_length=16, choices=PostGroup.choices)
    # 自评: 德、能、勤、绩、廉, 0–100 each; the self score is their mean.
    self_morals = models.PositiveSmallIntegerField(_("morals (德)"), null=True, blank=True)
    self_ability = models.PositiveSmallIntegerField(_("ability (能)"), null=True, blank=True)
    self_diligence = models.PositiveSmallIntegerField(_("diligence (勤)"), null=True, blank=True)
    self_results = models.PositiveSmallIntegerField(_("results (绩)"), null=True, blank=True)
    self_integrity = models.PositiveSmallIntegerField(_("integrity (廉)"), null=True, blank=True)
    self_summary = models.TextField(_("self-evaluation summary"), blank=True, max_length=3000)
    self_score = models.DecimalField(_("self score"), max_digits=5, decimal_places=2, null=True, blank=True)
    leader_score = models.DecimalField(_("leadership score"), max_digits=5, decimal_places=2, null=True, blank=True)
    leader_comment = models.TextField(_("leadership's comment"), blank=True, max_length=2000)
    # The peer result, written at grading: aggregates only, never a single rating.
    peer_count = models.PositiveIntegerField(_("peer answers"), default=0)
    peer_score = models.DecimalField(_("peer score"), max_digits=5, decimal_places=2, null=True, blank=True)
    scoring = models.CharField(_("how scored"), max_length=16, choices=Scoring.choices, default=Scoring.STANDARD)
    scoring_note = models.TextField(_("committee's decision on the scoring"), blank=True, max_length=2000)
    composite = models.DecimalField(_("composite score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=16, choices=GradeChoices.choices, blank=True)
    grade_source = models.CharField(_("grade from"), max_length=16, choices=GradeSource.choices, blank=True)
    grade_reason = models.TextField(_("reason for the grade"), blank=True, max_length=2000)
    tied = models.BooleanField(_("tied at the 优秀 cut"), default=False)
    vetoed = models.BooleanField(_("vetoed (一票否决)"), default=False)
    veto = models.ForeignKey("Responsibility", verbose_name=_("vetoed for"), null=True, blank=True, on_delete=models.PROTECT, related_name="vetoed_appraisals")
    # 复核: a state of the appraisal with its deadline, not a comment.
    appeal_state = FSMField(_("appeal"), default="none", choices=[("none", _("No appeal")), ("lodged", _("Appeal lodged")),
                                                                  ("decided", _("Appeal decided"))], protected=True)
    appeal_text = models.TextField(_("grounds of the appeal"), blank=True, max_length=3000)
    appeal_lodged_on = models.DateField(_("appeal lodged on"), null=True, blank=True)
    appeal_due_on = models.DateField(_("appeal to be decided by"), null=True, blank=True)
    appeal_decision = models.TextField(_("committee's decision on the appeal"), blank=True, max_length=2000)
    # Consequences the later workflows read (set at publication, and by a veto or an appeal after it).
    pay_step_raise = models.BooleanField(_("pay-step (薪级) raise this year"), null=True, blank=True)
    exit_review = models.CharField(_("exit review due"), max_length=32, blank=True, help_text=_("The rule that opens it: INST-EXIT-GRADE or VETO-EXIT."))
    # The change log finds a version by id, date, user and school; the other foreign keys' indexes
    # would only slow the bulk snapshots of a province's grading (make bench), and so would a
    # deferred check of the user's key on each of 156,000 history rows at commit (the ORM's on_delete
    # still applies when a user is deleted).
    history = HistoricalRecords(no_db_index=["cycle", "staff", "veto"], user_db_constraint=False)

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        ordering = ["cycle", "school", "staff__person__name", "id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "staff"], name="appraisal_once_per_cycle")]
        indexes = [models.Index(fields=["cycle", "school", "post_group"], name="appraisal_unit")]

    def __str__(self):
        return _("%(person)s in %(cycle)s") % {"person": self.staff.person.name, "cycle": self.cycle.name}

    @property
    def scope_path(self):
        return self.school.unit.path

    @property
    def self_submitted(self) -> bool:
        return self.self_score is not None

    @transition(field=appeal_state, source="none", target="lodged")
    def lodge_appeal(self):
        pass

    @transition(field=appeal_state, source="lodged", target="decided")
    def decide_appeal(self):
        pass

    def dimension_scores(self):
        return [(self._meta.get_field(name).verbose_name, getattr(self, name)) for name in self.DIMENSIONS]


class PeerAssignment(models.Model):
    """Who must rate whom (民主测评). `answered` says that they did, never what they gave; it is
    written without history (the time of an answer would point at the rating written then)."""

    appraisal = models.ForeignKey(Appraisal, verbose_name=_("rated person"), on_delete=models.CASCADE, related_name="peer_assignments")
    rater = models.ForeignKey(Staff, verbose_name=_("rater"), on_delete=models.PROTECT, related_name="peer_assignments")
    answered = models.BooleanField(_("answered"), default=False)
    excused_reason = models.TextField(_("excused because"), blank=True, max_length=1000)
    history = HistoricalRecords(excluded_fields=["answered"])

    class Meta:
        verbose_name = _("peer rating assignment")
        verbose_name_plural = _("peer rating assignments")
        ordering = ["appraisal", "id"]
        constraints = [models.UniqueConstraint(fields=["appraisal", "rater"], name="peer_assignment_once")]
        indexes = [models.Index(fields=["rater", "answered"], name="peer_assignment_rater")]

    def __str__(self):
        return _("%(rater)s rates %(person)s") % {"rater": self.rater.person.name, "person": self.appraisal.staff.person.name}

    @property
    def scope_path(self):
        return self.appraisal.school.unit.path

    @property
    def excused(self) -> bool:
        return bool(self.excused_reason)


def _anonymous(instance, request=None, **kwargs):
    return None


class PeerRating(models.Model):
    """One peer's score for one person, with no rater: `token` is HMAC(secret, cycle, rater, rated),
    which lets the rater find and change their own rating and nobody else find whose it is. Its
    history records that a rating changed, with no user and the day only."""

    appraisal = models.ForeignKey(Appraisal, verbose_name=_("rated person"), on_delete=models.CASCADE, related_name="peer_ratings")
    token = models.CharField(max_length=64, unique=True, editable=False)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    history = HistoricalRecords(excluded_fields=["token"], get_user=_anonymous)

    class Meta:
        verbose_name = _("peer rating")
        verbose_name_plural = _("peer ratings")
        indexes = [models.Index(fields=["appraisal"], name="peer_rating_appraisal")]

    def __str__(self):
        return _("A peer rating of %(person)s") % {"person": self.appraisal.staff.person.name}

    @property
    def scope_path(self):
        return self.appraisal.school.unit.path


class Incident(ConcurrentTransitionMixin, models.Model):
    """A safety incident in the school's register (四(二)). Only a major safety responsibility incident
    (重大安全责任事故) vetoes, once the investigation has named who is responsible, each has had the
    chance to state their case (陈述申辩, VETO-ACCOUNT) and the school's leaders made it final."""

    class Severity(models.TextChoices):
        GENERAL = "general", _("General incident")
        SERIOUS = "serious", _("Serious incident")
        MAJOR = "major", _("Major safety responsibility incident (重大安全责任事故)")

    class State(models.TextChoices):
        RECORDED = "recorded", _("Recorded, under investigation")
        INVESTIGATED = "investigated", _("Investigated: awaiting the statements")
        FINAL = "final", _("Responsibility final")
        CLOSED = "closed", _("Closed without responsibility")

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="incidents")
    occurred_on = models.DateField(_("occurred on"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happened"), max_length=5000)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    investigation = models.TextField(_("investigation record"), blank=True, max_length=10000)
    decision_note = models.TextField(_("leadership's decision"), blank=True, max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    final_on = models.DateField(_("final on"), null=True, blank=True)
    state = FSMField(_("state"), default=State.RECORDED, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("safety incident")
        verbose_name_plural = _("safety incidents")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["school", "occurred_on"], name="incident_school_day")]

    def __str__(self):
        return self.title

    @property
    def scope_path(self):
        return self.school.unit.path

    @property
    def vetoes(self) -> bool:
        return self.severity == self.Severity.MAJOR

    @transition(field=state, source=[State.RECORDED, State.INVESTIGATED], target=State.INVESTIGATED)
    def investigated(self):
        pass

    @transition(field=state, source=State.INVESTIGATED, target=State.FINAL)
    def make_final(self):
        pass

    @transition(field=state, source=[State.RECORDED, State.INVESTIGATED], target=State.CLOSED)
    def close(self):
        pass


class Responsibility(models.Model):
    """A person the investigation found responsible, their role in the incident, and their own
    statement (陈述申辩) or its waiver, which VETO-ACCOUNT requires before responsibility is final."""

    class Role(models.TextChoices):
        DIRECT = "direct", _("Direct responsibility (直接责任)")
        LEADERSHIP = "leadership", _("Leadership responsibility (领导责任)")
        MANAGEMENT = "management", _("Management responsibility (管理责任)")

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="responsibilities")
    staff = models.ForeignKey(Staff, verbose_name=_("person responsible"), on_delete=models.PROTECT, related_name="responsibilities")
    role = models.CharField(_("role in the incident"), max_length=16, choices=Role.choices)
    finding = models.TextField(_("what the investigation found"), max_length=3000)
    statement = models.TextField(_("their statement (陈述申辩)"), blank=True, max_length=5000)
    statement_on = models.DateField(_("stated on"), null=True, blank=True)
    waived = models.BooleanField(_("declined to make a statement"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["incident", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "staff"], name="responsibility_once")]

    def __str__(self):
        return _("%(person)s, responsible for %(incident)s") % {"person": self.staff.person.name, "incident": self.incident.title}

    @property
    def scope_path(self):
        return self.incident.school.unit.path

    @property
    def heard(self) -> bool:
        return bool(self.statement) or self.waived


class BasePayRate(models.Model):
    """The school's pay table for the base part (基础性绩效工资, monthly), by post, title or skill level
    and education (三(四)2: pay considers 职称或技能水平 and 学历水平). An empty field matches any; the
    most specific row applies."""

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="base_pay_rates")
    post_category = models.CharField(_("post category"), max_length=16, blank=True, choices=PostCategoryChoices.choices)
    title = models.CharField(_("title or skill level"), max_length=100, blank=True)
    education = models.CharField(_("education"), max_length=32, blank=True, choices=Education.choices)
    monthly = models.DecimalField(_("monthly base part (yuan)"), max_digits=10, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("base pay rate")
        verbose_name_plural = _("base pay rates")
        ordering = ["school", "post_category", "title", "education"]
        constraints = [models.UniqueConstraint(fields=["school", "post_category", "title", "education"], name="base_pay_rate_once"),
                       models.CheckConstraint(condition=Q(monthly__gte=0), name="base_pay_rate_not_negative")]

    def __str__(self):
        return _("Base pay rate of %(school)s") % {"school": self.school.unit.name}

    @property
    def scope_path(self):
        return self.school.unit.path


class PayRun(ConcurrentTransitionMixin, models.Model):
    """A school's performance pay for a cycle: the base part from the pay table, the reward part
    (奖励性) a pool split by grade coefficient × work done, to the fen. Run as a job, re-run until the
    school's leaders approve it; then it is locked."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Not computed yet")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Computing")
        COMPUTED = "computed", _("Computed, awaiting approval")
        FAILED = "failed", _("Could not be computed")
        APPROVED = "approved", _("Approved and locked")

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="pay_runs")
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="pay_runs")
    budget = models.DecimalField(_("performance pay budget for the period (yuan)"), max_digits=14, decimal_places=2)
    reward_share = models.DecimalField(_("reward part's share of the budget"), max_digits=7, decimal_places=6)
    months = models.PositiveSmallIntegerField(_("months of base part"))
    coef_excellent = models.DecimalField(_("coefficient for 优秀"), max_digits=6, decimal_places=4)
    coef_competent = models.DecimalField(_("coefficient for 合格"), max_digits=6, decimal_places=4)
    coef_basic = models.DecimalField(_("coefficient for 基本合格"), max_digits=6, decimal_places=4)
    coef_incompetent = models.DecimalField(_("coefficient for 不合格"), max_digits=6, decimal_places=4)
    pool = models.DecimalField(_("reward pool (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    base_total = models.DecimalField(_("base part in all (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    lines_total = models.PositiveIntegerField(_("lines"), default=0)
    lines_done = models.PositiveIntegerField(_("lines computed"), default=0)
    lines_flagged = models.PositiveIntegerField(_("lines with a problem"), default=0)
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pay run")
        verbose_name_plural = _("pay runs")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "school"], name="pay_run_once")]

    def __str__(self):
        return _("Performance pay of %(school)s for %(cycle)s") % {"school": self.school.unit.name, "cycle": self.cycle.name}

    @property
    def scope_path(self):
        return self.school.unit.path

    @transition(field=state, source=[State.DRAFT, State.COMPUTED, State.FAILED], target=State.QUEUED)
    def queue(self):
        pass

    @transition(field=state, source=State.QUEUED, target=State.RUNNING)
    def start(self):
        pass

    @transition(field=state, source=State.RUNNING, target=State.COMPUTED)
    def computed(self):
        pass

    @transition(field=state, source=[State.QUEUED, State.RUNNING], target=State.FAILED)
    def fail(self):
        pass

    @transition(field=state, source=State.COMPUTED, target=State.APPROVED)
    def approve(self):
        pass


class PayLine(models.Model):
    """One person's performance pay in a run. Keyed by (run, appraisal): a re-run rewrites the same
    line, never adds one. Money is Decimal to the fen."""

    run = models.ForeignKey(PayRun, verbose_name=_("pay run"), on_delete=models.CASCADE, related_name="lines",
                            db_index=False)  # pay_line_once (run, appraisal) serves
    appraisal = models.ForeignKey(Appraisal, verbose_name=_("appraisal"), on_delete=models.PROTECT, related_name="pay_lines")
    base_monthly = models.DecimalField(_("monthly base part (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    base_amount = models.DecimalField(_("base part (yuan)"), max_digits=12, decimal_places=2, default=0)
    grade = models.CharField(_("grade"), max_length=16, choices=GradeChoices.choices, blank=True)
    coefficient = models.DecimalField(_("grade coefficient"), max_digits=6, decimal_places=4, default=0)
    work_units = models.DecimalField(_("work done (e.g. attendance days)"), max_digits=8, decimal_places=2, default=1)
    reward_amount = models.DecimalField(_("reward part (yuan)"), max_digits=12, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    flagged = models.BooleanField(_("needs attention"), default=False)
    history = HistoricalRecords(no_db_index=["appraisal"], user_db_constraint=False)  # found by id, date, user and run; see Appraisal

    class Meta:
        verbose_name = _("pay line")
        verbose_name_plural = _("pay lines")
        ordering = ["run", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "appraisal"], name="pay_line_once")]

    def __str__(self):
        return _("Pay line of %(person)s") % {"person": self.appraisal.staff.person.name}

    @property
    def scope_path(self):
        return self.run.school.unit.path

    @property
    def total(self):
        return self.base_amount + self.reward_amount


class RaterReveal(models.Model):
    """An auditor holding the explicit right saw who rated whom for one appraisal: each time is
    recorded here, with the reason given (issue 11: the right is itself logged)."""

    appraisal = models.ForeignKey(Appraisal, verbose_name=_("appraisal"), on_delete=models.PROTECT, related_name="rater_reveals")
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("auditor"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), max_length=2000)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("raters revealed")
        verbose_name_plural = _("raters revealed")
        ordering = ["-at", "-id"]
        permissions = [("reveal_raters", "Can see who rated whom (each use is logged)")]

    def __str__(self):
        return _("Raters of %(appraisal)s revealed") % {"appraisal": self.appraisal}

    @property
    def scope_path(self):
        return self.appraisal.school.unit.path
