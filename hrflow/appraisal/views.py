"""Appraisal's pages: cycles, a school's part, an appraisal, the leaders' scores, the committee, and
My appraisal for staff (self-evaluation and peer ratings, on a phone)."""

from decimal import Decimal

import rules
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import generic
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from hrflow.core import clock
from hrflow.core.flowsteps import ProcessBusy, StepNotOpen
from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.paging import keyset_page
from hrflow.core.params import object_id
from hrflow.people.models import Staff

from . import pay, selectors, services, veto
from .forms import (
    AppealDecisionForm, AppealForm, CommitteeAddForm, CycleForm, DecisionForm, GradeChangeForm, IncidentForm, InvestigationForm, NoteForm,
    PayRateForm, PayRunForm, PeerScoreForm, ReasonForm, ResponsibilityForm, ScoringForm, SelfEvaluationForm, StatementForm,
)
from .models import (
    Appraisal, BasePayRate, CommitteeMember, Cycle, Incident, PayLine, PayRun, PeerAssignment, Responsibility, SchoolCycle,
)

REFUSALS = (services.AppraisalError, StepNotOpen, ProcessBusy, ConcurrentTransition, TransitionNotAllowed)


def _refusal_text(error) -> str:
    if isinstance(error, (ConcurrentTransition, TransitionNotAllowed)):
        return _("Someone else changed this at the same time; reload and try again.")
    return str(error)


GAPS_SHOWN = 20  # the cycle page names this many of those waiting for the committee, and says how many in all


def _refuse_form(request, form, fallback: str):
    """A form's own reason where it has one (too long, a NUL character, a bad number), the page's
    request where the field was only left empty."""
    for name, errors in form.errors.items():
        for error in errors.as_data():
            if error.code != "required":
                text = next(iter(error), "")
                field = form.fields.get(name)
                messages.error(request, _("%(field)s: %(error)s") % {"field": field.label, "error": text} if field else text)
                return
    messages.error(request, fallback)


def _act(request, call, done: str):
    try:
        call()
    except REFUSALS as error:
        messages.error(request, _refusal_text(error))
        return False
    messages.success(request, done)
    return True


class CycleListView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "appraisal.view_cycles"
    template_name = "appraisal/cycle_list.html"

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        page = keyset_page(selectors.cycles_visible_to(self.request.user), order=selectors.LIST_ORDER, cursor=self.request.GET.get("cursor"))
        may_create = rules.has_perm("appraisal.create_cycle", self.request.user, None)
        return super().get_context_data(page=page, may_create=may_create, **kwargs)


class CycleCreateView(ScopedPermissionMixin, generic.FormView):
    permission_required = "appraisal.create_cycle"
    template_name = "appraisal/cycle_form.html"
    form_class = CycleForm

    def get_permission_object(self):
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            cycle = services.cycle_create(unit=d["unit"], name=d["name"], kind=d["kind"], period_start=d["period_start"],
                                          period_end=d["period_end"], config=form.config(), acting_user=self.request.user,
                                          due={k: d.get(k) for k in ("self_due", "peer_due", "leader_due")})
        except REFUSALS as error:
            form.add_error(None, _refusal_text(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The cycle is created. Check its settings and committee, then open it."))
        return redirect("appraisal:cycle_detail", pk=cycle.pk)


class _CycleMixin:
    def get_permission_object(self):
        if not hasattr(self, "_cycle"):
            self._cycle = get_object_or_404(Cycle.objects.select_related("unit", "created_by"), pk=self.kwargs["pk"])
        return self._cycle


class CycleEditView(_CycleMixin, ScopedPermissionMixin, generic.FormView):
    """A cycle in preparation corrected by its owner before it opens (who opens it and its kind stay)."""

    permission_required = "appraisal.manage_cycle"
    template_name = "appraisal/cycle_form.html"
    form_class = CycleForm

    def dispatch(self, request, *args, **kwargs):
        cycle = self.get_permission_object()
        if request.user.is_authenticated and cycle.state != Cycle.State.DRAFT and self.has_permission():
            messages.error(request, _("The settings are fixed once the cycle has opened."))
            return redirect("appraisal:cycle_detail", pk=cycle.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        cycle = self.get_permission_object()
        fields = ["name", "kind", "period_start", "period_end", *vars(services.CycleSettings.defaults()), "self_due", "peer_due", "leader_due"]
        share = (cycle.excellent_share * 100).quantize(Decimal("0.0001"))  # stored to 6 places, typed as a percentage
        share = share.to_integral_value() if share == share.to_integral_value() else share.normalize()
        return {**{f: getattr(cycle, f) for f in fields}, "unit": cycle.unit_id, "excellent_share": share}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        cycle = self.get_permission_object()
        form.fields["unit"].choices = [(cycle.unit_id, cycle.unit.name)]
        form.fields["unit"].disabled = form.fields["kind"].disabled = True
        return form

    def get_context_data(self, **kwargs):
        return super().get_context_data(cycle=self.get_permission_object(), **kwargs)

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            services.cycle_update(cycle=self.get_permission_object(), name=d["name"], period_start=d["period_start"], period_end=d["period_end"],
                                  config=form.config(), acting_user=self.request.user,
                                  due={k: d.get(k) for k in ("self_due", "peer_due", "leader_due")})
        except REFUSALS as error:
            form.add_error(None, _refusal_text(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The cycle's settings are saved."))
        return redirect("appraisal:cycle_detail", pk=self.get_permission_object().pk)


OWNER_ACTIONS = {
    "open": (services.cycle_open, Cycle.State.DRAFT, _("Enrol the staff and open self-evaluation")),
    "close_self": (services.cycle_close_self, Cycle.State.SELF, _("Close self-evaluation, open peer evaluation")),
    "close_peer": (services.cycle_close_peer, Cycle.State.PEER, _("Close peer evaluation, open leadership evaluation")),
    "close_leader": (services.cycle_close_leader, Cycle.State.LEADER, _("Close leadership evaluation")),
    "grade": (services.cycle_grade, Cycle.State.GRADING, _("Compute composites and grades, send to the leaders")),
    "publish": (services.cycle_publish, Cycle.State.APPROVAL, _("Publish the results")),
    "close": (services.cycle_close, Cycle.State.PUBLISHED, _("Close the cycle")),
}


class CycleDetailView(_CycleMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "appraisal.view_cycle"
    template_name = "appraisal/cycle_detail.html"

    def has_permission(self):
        cycle = self.get_permission_object()
        # A school's people reach a bureau's cycle through their school's part of it.
        return super().has_permission() or selectors.school_cycles_of(cycle, self.request.user).exists()

    def get_context_data(self, **kwargs):
        cycle = self.get_permission_object()
        user = self.request.user
        page = keyset_page(selectors.school_cycles_of(cycle, user), order=selectors.SCHOOL_ORDER, cursor=self.request.GET.get("cursor"))
        progress = selectors.progress(page.rows)
        for sc in page.rows:
            sc.progress = progress.get(sc.pk, {})
        owner = rules.has_perm("appraisal.manage_cycle", user, cycle)
        actions = [(name, label) for name, (_call, state, label) in OWNER_ACTIONS.items() if owner and cycle.state == state]
        gaps, gap_count = (services.gaps(cycle, limit=GAPS_SHOWN, leaders_done=cycle.state == Cycle.State.GRADING)
                           if owner and cycle.state in (Cycle.State.LEADER, Cycle.State.GRADING) else ([], 0))
        return super().get_context_data(cycle=cycle, page=page, owner=owner, actions=actions, gaps=gaps, gap_count=gap_count,
                                        editable=owner and cycle.state == Cycle.State.DRAFT,
                                        gaps_more=gap_count - len(gaps), **kwargs)


class CycleActionView(_CycleMixin, ScopedPermissionMixin, generic.View):
    permission_required = "appraisal.manage_cycle"

    def post(self, request, pk, action):
        entry = OWNER_ACTIONS.get(action)
        if entry is None:
            raise Http404
        call, _state, label = entry
        _act(request, lambda: call(cycle=self.get_permission_object(), acting_user=request.user), _("Done: %(step)s.") % {"step": label})
        return redirect("appraisal:cycle_detail", pk=pk)


class _SchoolCycleMixin:
    def get_permission_object(self):
        if not hasattr(self, "_sc"):
            self._sc = get_object_or_404(SchoolCycle.objects.select_related("cycle__unit", "school__unit", "approved_by"), pk=self.kwargs["pk"])
        return self._sc


class SchoolCycleView(_SchoolCycleMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "appraisal.view_school_cycle"
    template_name = "appraisal/school_cycle.html"

    def get_context_data(self, **kwargs):
        sc = self.get_permission_object()
        user = self.request.user
        which = self.request.GET.get("show", "all")
        which = which if which in selectors.FILTERS else "all"
        page = keyset_page(selectors.appraisals_of(sc, which), order=selectors.APPRAISAL_ORDER, cursor=self.request.GET.get("cursor"))
        lead = rules.has_perm("appraisal.lead_school_cycle", user, sc)
        manage = rules.has_perm("appraisal.manage_school_cycle", user, sc)
        owner = rules.has_perm("appraisal.manage_cycle", user, sc.cycle)
        awaiting = sc.cycle.state == Cycle.State.APPROVAL and sc.state == SchoolCycle.State.GRADED
        # One decision per grading unit: the post groups are apart when the cycle grades them apart.
        groups = {}
        for a in (selectors.appraisals_of(sc, "tied").order_by("post_group", "-composite", "pk")[:200] if lead and awaiting else []):
            groups.setdefault(a.post_group if sc.cycle.separate_groups else "", []).append(a)
        ties = [(group, rows, services.places_left(rows[0], sc.cycle)) for group, rows in groups.items()]
        unanswered = None
        if manage and sc.cycle.state in (Cycle.State.SELF, Cycle.State.PEER):
            unanswered = keyset_page(selectors.unanswered_of(sc), order=selectors.UNANSWERED_ORDER,
                                     cursor=self.request.GET.get("ucursor"), size=20)
        return super().get_context_data(
            sc=sc, cycle=sc.cycle, page=page, which=which, filters=list(selectors.FILTERS), progress=selectors.progress([sc]).get(sc.pk, {}),
            lead=lead, manage=manage, owner=owner, awaiting=awaiting, ties=ties, unanswered=unanswered,
            leader_scoring=lead and services.leaders_may_score(sc),
            regrade=owner and sc.state == SchoolCycle.State.RETURNED and sc.cycle.state == Cycle.State.APPROVAL,
            excuse_pending=manage and sc.cycle.state == Cycle.State.PEER,
            decide_waiting=manage and (sc.cycle.state in (Cycle.State.LEADER, Cycle.State.GRADING)
                                       or (sc.cycle.state == Cycle.State.APPROVAL and sc.state == SchoolCycle.State.RETURNED)),
            scoring_form=ScoringForm(), note_form=NoteForm(), reason_form=ReasonForm(), **kwargs)


class SchoolCycleActionView(_SchoolCycleMixin, ScopedPermissionMixin, generic.View):
    """approve / return / tie: the school's leaders; regrade: the cycle's owner; excuse-pending and
    decide-waiting: the school's HR officer."""

    def get_permission_required(self):
        action = self.kwargs["action"]
        if action == "regrade":
            return ("appraisal.manage_cycle",)
        return ("appraisal.manage_school_cycle",) if action in ("excuse-pending", "decide-waiting") else ("appraisal.lead_school_cycle",)

    def get_permission_object(self):
        sc = super().get_permission_object()
        return sc.cycle if self.kwargs["action"] == "regrade" else sc

    def post(self, request, pk, action):
        sc = _SchoolCycleMixin.get_permission_object(self)
        user = request.user
        if action == "approve":
            form = NoteForm(request.POST)
            if not form.is_valid():
                _refuse_form(request, form, _("The note is too long: at most 2000 characters."))
            else:
                _act(request, lambda: services.school_approve(school_cycle=sc, note=form.cleaned_data["note"], acting_user=user),
                     _("The school's grades are approved."))
        elif action == "return":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                _refuse_form(request, form, _("Give a written reason for the record."))
            else:
                _act(request, lambda: services.school_return(school_cycle=sc, reason=form.cleaned_data["reason"], acting_user=user),
                     _("The grades are returned for regrading."))
        elif action == "tie":
            form = ReasonForm(request.POST)
            chosen = [i for i in (object_id(v) for v in request.POST.getlist("excellent")[:500]) if i is not None]
            if not form.is_valid():
                _refuse_form(request, form, _("Give a written reason for the record."))
            else:
                _act(request, lambda: services.tie_decide(school_cycle=sc, group=request.POST.get("group", "")[:16], excellent_ids=chosen,
                                                          reason=form.cleaned_data["reason"], acting_user=user),
                     _("The tie is decided."))
        elif action == "regrade":
            _act(request, lambda: services.school_regrade(school_cycle=sc, acting_user=user), _("The school is graded again."))
        elif action == "excuse-pending":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                _refuse_form(request, form, _("Give a written reason for the record."))
            else:
                done = []
                if _act(request, lambda: done.append(services.raters_excuse_pending(school_cycle=sc, reason=form.cleaned_data["reason"],
                                                                                    acting_user=user)), _("Excused.")):
                    messages.info(request, _("%(n)d raters who had not answered are excused.") % {"n": done[0]} if done[0]
                                  else _("Nobody was left to excuse."))
        elif action == "decide-waiting":
            form = ScoringForm(request.POST)
            if not form.is_valid():
                _refuse_form(request, form, _("Choose how those waiting are scored and record the committee's decision."))
            else:
                done = []
                if _act(request, lambda: done.append(services.scoring_decide_waiting(
                        school_cycle=sc, scoring=form.cleaned_data["scoring"], note=form.cleaned_data["note"], acting_user=user)),
                        _("The committee's decision is recorded.")):
                    messages.info(request, _("Recorded for %(n)d people.") % {"n": done[0]} if done[0] else _("Nobody was waiting for a decision."))
        else:
            raise Http404
        return redirect("appraisal:school_cycle", pk=pk)


class LeaderScoreView(_SchoolCycleMixin, ScopedPermissionMixin, generic.TemplateView):
    """The leaders' scores, a page of 50 staff at a time."""

    permission_required = "appraisal.lead_school_cycle"
    template_name = "appraisal/leader_scores.html"

    def _page(self):
        return keyset_page(selectors.appraisals_of(self.get_permission_object()), order=selectors.APPRAISAL_ORDER,
                           cursor=self.request.GET.get("cursor"))

    def get_context_data(self, **kwargs):
        sc, page = self.get_permission_object(), self._page()
        for a in page.rows:
            a.version = services.leader_version(a)
        return super().get_context_data(sc=sc, page=page, open=services.leaders_may_score(sc), **kwargs)

    def post(self, request, pk):
        sc = self.get_permission_object()
        scores = {}
        for key, value in request.POST.items():
            if key.startswith("score-") and (pk_ := object_id(key[6:])) is not None and len(scores) < 200:
                scores[pk_] = (value.strip()[:20], request.POST.get(f"comment-{pk_}", "")[:2001], request.POST.get(f"version-{pk_}", "")[:32])
        if _act(request, lambda: services.leader_scores(school_cycle=sc, scores=scores, acting_user=request.user), _("Scores saved.")):
            return redirect(request.get_full_path())
        return self.get(request, pk)


class _AppraisalMixin:
    def get_permission_object(self):
        if not hasattr(self, "_a"):
            self._a = get_object_or_404(Appraisal.objects.select_related("cycle__unit", "school__unit", "staff__person"), pk=self.kwargs["pk"])
        return self._a


class AppraisalDetailView(_AppraisalMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "appraisal.view_appraisal"
    template_name = "appraisal/appraisal_detail.html"

    def get_context_data(self, **kwargs):
        a = self.get_permission_object()
        user = self.request.user
        sc = SchoolCycle.objects.get(cycle_id=a.cycle_id, school_id=a.school_id)
        forms = {}
        if rules.has_perm("appraisal.manage_school_cycle", user, sc) and a.cycle.state not in (Cycle.State.DRAFT, Cycle.State.PUBLISHED, Cycle.State.CLOSED):
            forms["scoring"] = ScoringForm()
        if rules.has_perm("appraisal.lead_school_cycle", user, sc) and a.cycle.state == Cycle.State.APPROVAL and sc.state == SchoolCycle.State.GRADED \
                and not a.vetoed and not a.tied:
            forms["grade"] = GradeChangeForm()
        if a.appeal_state == "lodged" and rules.has_perm("appraisal.manage_school_cycle", user, sc):
            forms["appeal"] = AppealDecisionForm(initial={"grade": a.grade})
        history = a.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]
        return super().get_context_data(a=a, sc=sc, peer=selectors.peer_result(a), forms=forms, history=history, **kwargs)


class AppraisalActionView(_AppraisalMixin, ScopedPermissionMixin, generic.View):
    """scoring: the school's HR officer records the committee's decision; grade: its leaders."""

    permission_required = "appraisal.view_appraisal"

    def post(self, request, pk, action):
        a = self.get_permission_object()
        sc = SchoolCycle.objects.get(cycle_id=a.cycle_id, school_id=a.school_id)
        user = request.user
        if action == "scoring" and rules.has_perm("appraisal.manage_school_cycle", user, sc):
            form = ScoringForm(request.POST)
            if form.is_valid():
                _act(request, lambda: services.scoring_decide(appraisal=a, scoring=form.cleaned_data["scoring"], note=form.cleaned_data["note"],
                                                              acting_user=user), _("The committee's decision is recorded."))
            else:
                _refuse_form(request, form, _("Choose how this person is scored and record the committee's decision."))
        elif action == "grade" and rules.has_perm("appraisal.lead_school_cycle", user, sc):
            form = GradeChangeForm(request.POST)
            if form.is_valid():
                _act(request, lambda: services.grade_change(appraisal=a, grade=form.cleaned_data["grade"], reason=form.cleaned_data["reason"],
                                                            acting_user=user), _("The grade is changed."))
            else:
                _refuse_form(request, form, _("Choose a grade and give a written reason."))
        elif action == "appeal" and rules.has_perm("appraisal.manage_school_cycle", user, sc):
            form = AppealDecisionForm(request.POST)
            if form.is_valid():
                _act(request, lambda: services.appeal_decide(appraisal=a, grade=form.cleaned_data["grade"], decision=form.cleaned_data["decision"],
                                                             acting_user=user), _("The committee's decision on the appeal is recorded."))
            else:
                _refuse_form(request, form, _("Choose the grade and record the committee's decision."))
        else:
            return self.handle_no_permission()
        return redirect("appraisal:appraisal_detail", pk=pk)


class ExcuseView(ScopedPermissionMixin, generic.View):
    permission_required = "appraisal.manage_school_cycle"

    def get_permission_object(self):
        if not hasattr(self, "_asg"):
            self._asg = get_object_or_404(PeerAssignment.objects.select_related("appraisal__school__unit", "appraisal__cycle"), pk=self.kwargs["pk"])
        return self._asg.appraisal

    def post(self, request, pk):
        self.get_permission_object()
        form = ReasonForm(request.POST)
        if not form.is_valid():
            _refuse_form(request, form, _("Give a written reason for the record."))
        else:
            _act(request, lambda: services.rater_excuse(assignment=self._asg, reason=form.cleaned_data["reason"], acting_user=request.user),
                 _("The rater is excused."))
        sc = SchoolCycle.objects.get(cycle_id=self._asg.appraisal.cycle_id, school_id=self._asg.appraisal.school_id)
        return redirect("appraisal:school_cycle", pk=sc.pk)


class CommitteeView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "appraisal.view_committee"
    template_name = "appraisal/committee.html"

    def get_permission_object(self):
        if not hasattr(self, "_school"):
            from hrflow.org.models import School

            self._school = get_object_or_404(School.objects.select_related("unit"), pk=self.kwargs["school"])
        return self._school

    def get_context_data(self, **kwargs):
        kwargs.pop("school", None)  # the URL's id; the context's school is the object
        school = self.get_permission_object()
        manage = rules.has_perm("appraisal.manage_committee", self.request.user, school)
        return super().get_context_data(school=school, members=list(selectors.committee_of(school)[:100]), manage=manage,
                                        problems=services.committee_problems(school), form=kwargs.pop("form", None) or CommitteeAddForm(),
                                        reason_form=ReasonForm(), **kwargs)

    def post(self, request, school):
        school = self.get_permission_object()
        if not rules.has_perm("appraisal.manage_committee", request.user, school):
            return self.handle_no_permission()
        if "remove" in request.POST:
            member = CommitteeMember.objects.filter(pk=object_id(request.POST["remove"]), committee__school=school).first()
            form = ReasonForm(request.POST)
            if member is None:
                messages.error(request, _("This member is not on the committee."))
            elif not form.is_valid():
                _refuse_form(request, form, _("Give a written reason for the record."))
            else:
                _act(request, lambda: services.committee_remove(member=member, reason=form.cleaned_data["reason"], acting_user=request.user),
                     _("Removed from the committee."))
            return redirect("appraisal:committee", school=school.pk)
        form = CommitteeAddForm(request.POST)
        if form.is_valid():
            staff = _staff_named(school, form.cleaned_data["person"])
            if isinstance(staff, str):
                form.add_error("person", staff)
            elif _act(request, lambda: services.committee_add(school=school, staff=staff, staff_rep=form.cleaned_data["staff_rep"],
                                                             acting_user=request.user), _("Added to the committee.")):
                return redirect("appraisal:committee", school=school.pk)
        return self.render_to_response(self.get_context_data(form=form))


# ---- staff ------------------------------------------------------------------------------------------

class MyAppraisalView(generic.TemplateView):
    """What waits for a staff member: their self-evaluation, the colleagues to rate, their results."""

    template_name = "appraisal/mine.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        mine = list(selectors.my_appraisals(user))
        for a in mine:
            a.peer = selectors.peer_result(a) if a.cycle.results_visible else None
        to_rate = list(selectors.my_ratings(user, [a.cycle_id for a in mine])[:200])
        # The rater's own scores, read through the rater's token only.
        scores = services.own_scores(to_rate)  # the rater's own, through their tokens only
        for asg in to_rate:
            asg.my_score = scores.get(asg.pk)
        today = clock.today()
        for a in mine:
            a.may_appeal = (a.cycle.state == Cycle.State.PUBLISHED and a.grade and a.appeal_state == "none"
                            and a.cycle.appeals_until is not None and today <= a.cycle.appeals_until)
        return super().get_context_data(mine=mine, to_rate=to_rate, appeal_form=AppealForm(),
                                        to_state=list(selectors.my_statements(user)), **kwargs)


class SelfEvaluationView(ScopedPermissionMixin, generic.FormView):
    permission_required = "appraisal.self_evaluate"
    template_name = "appraisal/self_evaluation.html"
    form_class = SelfEvaluationForm

    def get_permission_object(self):
        if not hasattr(self, "_a"):
            self._a = get_object_or_404(Appraisal.objects.select_related("cycle", "staff__person"), pk=self.kwargs["pk"])
        return self._a

    def get_initial(self):
        a = self.get_permission_object()
        return {**{d: getattr(a, d) for d in Appraisal.DIMENSIONS}, "summary": a.self_summary}

    def get_context_data(self, **kwargs):
        return super().get_context_data(a=self.get_permission_object(), **kwargs)

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            services.self_evaluate(appraisal=self.get_permission_object(), scores={k: d[k] for k in Appraisal.DIMENSIONS},
                                   summary=d["summary"], acting_user=self.request.user)
        except REFUSALS as error:
            form.add_error(None, _refusal_text(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Your self-evaluation is saved. You may change it until self-evaluation closes."))
        return redirect("appraisal:mine")


class RateView(ScopedPermissionMixin, generic.View):
    permission_required = "appraisal.rate_peer"

    def get_permission_object(self):
        if not hasattr(self, "_asg"):
            self._asg = get_object_or_404(PeerAssignment.objects.select_related("rater__person", "appraisal__cycle", "appraisal__staff__person"),
                                          pk=self.kwargs["pk"])
        return self._asg

    def post(self, request, pk):
        asg = self.get_permission_object()
        form = PeerScoreForm(request.POST)
        if not form.is_valid():
            _refuse_form(request, form, _("Give a score from 0 to 100."))
        else:
            _act(request, lambda: services.peer_rate(assignment=asg, score=form.cleaned_data["score"].strip(), acting_user=request.user),
                 _("Your rating of %(person)s is saved.") % {"person": asg.appraisal.staff.person.name})
        return redirect("appraisal:mine")


# ---- the incident register and the veto --------------------------------------------------------------

def _hr_schools(user):
    from hrflow.org import scope
    from hrflow.org.models import Role, School

    return School.objects.filter(pk__in=scope.school_ids(user, {Role.HR_OFFICER})).select_related("unit")


class IncidentListView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "appraisal.view_incidents"
    template_name = "appraisal/incident_list.html"

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        page = keyset_page(selectors.incidents_visible_to(self.request.user), order=selectors.INCIDENT_ORDER, cursor=self.request.GET.get("cursor"))
        return super().get_context_data(page=page, may_record=_hr_schools(self.request.user).exists(), **kwargs)


class IncidentCreateView(ScopedPermissionMixin, generic.FormView):
    permission_required = "appraisal.manage_incident"
    template_name = "appraisal/incident_form.html"
    form_class = IncidentForm

    def get_permission_object(self):
        return None

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        from django import forms as dj_forms

        schools = _hr_schools(self.request.user)
        form.fields["school"] = dj_forms.ModelChoiceField(label=_("School"), queryset=schools,
                                                          initial=schools[0] if len(schools) == 1 else None)
        form.order_fields(["school"])
        return form

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            incident = veto.incident_record(school=d["school"], occurred_on=d["occurred_on"], title=d["title"], description=d["description"],
                                            severity=d["severity"], acting_user=self.request.user)
        except REFUSALS as error:
            form.add_error(None, _refusal_text(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The incident is recorded. Name the people responsible and write the investigation record."))
        return redirect("appraisal:incident_detail", pk=incident.pk)


class _IncidentMixin:
    def get_permission_object(self):
        if not hasattr(self, "_incident"):
            self._incident = get_object_or_404(Incident.objects.select_related("school__unit", "recorded_by", "decided_by"), pk=self.kwargs["pk"])
        return self._incident


class IncidentDetailView(_IncidentMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "appraisal.view_incidents"
    template_name = "appraisal/incident_detail.html"

    def get_context_data(self, **kwargs):
        incident = self.get_permission_object()
        user = self.request.user
        open_ = incident.state in (Incident.State.RECORDED, Incident.State.INVESTIGATED)
        manage = rules.has_perm("appraisal.manage_incident", user, incident) and open_
        decide = rules.has_perm("appraisal.decide_incident", user, incident)
        responsibilities = list(incident.responsibilities.select_related("staff__person")[:200])
        vetoed = list(Appraisal.objects.filter(veto__incident=incident).select_related("cycle", "staff__person")[:200])
        return super().get_context_data(
            incident=incident, responsibilities=responsibilities, vetoed=vetoed, manage=manage,
            decide=decide and incident.state == Incident.State.INVESTIGATED, close=decide and open_,
            person_form=ResponsibilityForm() if manage else None, investigation_form=InvestigationForm(initial={"investigation": incident.investigation}) if manage else None,
            statement_form=StatementForm() if manage else None, decision_form=DecisionForm(), **kwargs)


class IncidentActionView(_IncidentMixin, ScopedPermissionMixin, generic.View):
    def get_permission_required(self):
        return ("appraisal.decide_incident",) if self.kwargs["action"] in ("finalise", "close") else ("appraisal.manage_incident",)

    def post(self, request, pk, action):
        incident = self.get_permission_object()
        user = request.user
        if action == "person":
            form = ResponsibilityForm(request.POST)
            staff = _staff_named(incident.school, form.data.get("person", ""), current_only=False) if form.is_valid() else None
            if not form.is_valid():
                _refuse_form(request, form, _("Name the person, their role and what the investigation found."))
            elif isinstance(staff, str):
                messages.error(request, staff)
            else:
                _act(request, lambda: veto.responsibility_add(incident=incident, staff=staff, role=form.cleaned_data["role"],
                                                              finding=form.cleaned_data["finding"], acting_user=user), _("The person is named."))
        elif action == "investigated":
            form = InvestigationForm(request.POST)
            if form.is_valid():
                _act(request, lambda: veto.incident_investigated(incident=incident, investigation=form.cleaned_data["investigation"], acting_user=user),
                     _("The investigation is recorded; the people named may now state their case."))
            else:
                _refuse_form(request, form, _("Write the investigation record."))
        elif action == "statement":
            resp = Responsibility.objects.filter(incident=incident, pk=object_id(request.POST.get("responsibility"))).first()
            form = StatementForm(request.POST)
            if resp is None:
                messages.error(request, _("Write the statement, or record that the person declined to make one."))
            elif not form.is_valid():
                _refuse_form(request, form, _("Write the statement, or record that the person declined to make one."))
            else:
                _act(request, lambda: veto.statement_record(responsibility=resp, statement=form.cleaned_data["statement"],
                                                            waived=form.cleaned_data["waived"], acting_user=user), _("The statement is recorded."))
        elif action in ("finalise", "close"):
            form = DecisionForm(request.POST)
            if not form.is_valid():
                _refuse_form(request, form, _("Give a written reason for the record."))
            elif action == "finalise":
                _act(request, lambda: veto.incident_finalise(incident=incident, decision_note=form.cleaned_data["decision"], acting_user=user),
                     _("Responsibility is final."))
            else:
                _act(request, lambda: veto.incident_close(incident=incident, reason=form.cleaned_data["decision"], acting_user=user),
                     _("The incident is closed without responsibility."))
        else:
            raise Http404
        return redirect("appraisal:incident_detail", pk=pk)


def _staff_named(school, text, current_only=True):
    """The one staff member of `school` with this name or ID number, or a message saying why not."""
    text = (text or "").strip()[:100]
    qs = Staff.objects.filter(school=school).filter(Q(person__name=text) | Q(person__id_number=text.upper())).select_related("person")
    if current_only:
        qs = qs.exclude(status=Staff.Status.LEFT)
    matches = list(qs[:2])
    if not matches:
        return _("No staff member of the school has this name or ID number.")
    if len(matches) > 1:
        return _("Several staff members have this name: give the ID number.")
    return matches[0]


class StatementView(ScopedPermissionMixin, generic.FormView):
    """陈述申辩: the person named states their own case (VETO-ACCOUNT)."""

    permission_required = "appraisal.state_case"
    template_name = "appraisal/statement.html"
    form_class = StatementForm

    def get_permission_object(self):
        if not hasattr(self, "_resp"):
            self._resp = get_object_or_404(Responsibility.objects.select_related("incident__school__unit", "staff__person"), pk=self.kwargs["pk"])
        return self._resp

    def get_initial(self):
        return {"statement": self.get_permission_object().statement}

    def get_context_data(self, **kwargs):
        return super().get_context_data(resp=self.get_permission_object(), **kwargs)

    def form_valid(self, form):
        try:
            veto.statement_record(responsibility=self.get_permission_object(), statement=form.cleaned_data["statement"],
                                  waived=form.cleaned_data["waived"], acting_user=self.request.user)
        except REFUSALS as error:
            form.add_error(None, _refusal_text(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Your statement is recorded."))
        return redirect("appraisal:mine")


class AppealView(_AppraisalMixin, ScopedPermissionMixin, generic.View):
    permission_required = "appraisal.appeal"

    def post(self, request, pk):
        form = AppealForm(request.POST)
        if not form.is_valid():
            _refuse_form(request, form, _("Say why you ask for a review."))
        else:
            _act(request, lambda: services.appeal_lodge(appraisal=self.get_permission_object(), grounds=form.cleaned_data["grounds"],
                                                        acting_user=request.user), _("Your appeal is lodged. The committee decides it by the date shown."))
        return redirect("appraisal:mine")


# ---- performance pay ---------------------------------------------------------------------------------------

class PayTableView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "appraisal.view_pay"
    template_name = "appraisal/pay_table.html"

    def get_permission_object(self):
        if not hasattr(self, "_school"):
            from hrflow.org.models import School

            self._school = get_object_or_404(School.objects.select_related("unit"), pk=self.kwargs["school"])
        return self._school

    def get_context_data(self, **kwargs):
        kwargs.pop("school", None)
        school = self.get_permission_object()
        return super().get_context_data(school=school, rates=list(BasePayRate.objects.filter(school=school)[:500]),
                                        manage=rules.has_perm("appraisal.manage_pay", self.request.user, school),
                                        form=kwargs.pop("form", None) or PayRateForm(), **kwargs)

    def post(self, request, school):
        school = self.get_permission_object()
        if not rules.has_perm("appraisal.manage_pay", request.user, school):
            return self.handle_no_permission()
        if "remove" in request.POST:
            rate = BasePayRate.objects.filter(school=school, pk=object_id(request.POST["remove"])).first()
            if rate is None:
                messages.error(request, _("This rate is not in the school's pay table."))
            else:
                _act(request, lambda: pay.rate_remove(rate=rate, acting_user=request.user), _("The rate is removed."))
            return redirect("appraisal:pay_table", school=school.pk)
        form = PayRateForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            if _act(request, lambda: pay.rate_save(school=school, post_category=d["post_category"], title=d["title"], education=d["education"],
                                                   monthly=d["monthly"], acting_user=request.user), _("The rate is saved.")):
                return redirect("appraisal:pay_table", school=school.pk)
        return self.render_to_response(self.get_context_data(form=form))


class PayRunView(_SchoolCycleMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "appraisal.view_pay"
    template_name = "appraisal/pay_run.html"

    def get_context_data(self, **kwargs):
        sc = self.get_permission_object()
        user = self.request.user
        run = PayRun.objects.filter(cycle_id=sc.cycle_id, school_id=sc.school_id).select_related("approved_by").first()
        manage = rules.has_perm("appraisal.manage_pay", user, sc)
        editable = manage and sc.cycle.state in pay.PAYABLE_CYCLES and (run is None or run.state in (PayRun.State.DRAFT, PayRun.State.COMPUTED, PayRun.State.FAILED))
        form = None
        if editable:
            initial = {**pay.defaults(sc.cycle), **({k: getattr(run, k) for k in PayRunForm.base_fields} if run else {})}
            initial["reward_share"] = (initial["reward_share"] * 100).quantize(Decimal("0.01"))
            form = kwargs.pop("form", None) or PayRunForm(initial=initial)
        page = None
        if run is not None:
            page = keyset_page(PayLine.objects.filter(run=run).select_related("appraisal__staff__person"), order=["pk"],
                               cursor=self.request.GET.get("cursor"))
        return super().get_context_data(
            sc=sc, run=run, form=form, editable=editable, page=page,
            approve=run is not None and run.state == PayRun.State.COMPUTED and rules.has_perm("appraisal.approve_pay", user, sc),
            **kwargs)

    def post(self, request, pk):
        sc = self.get_permission_object()
        user = request.user
        action = request.POST.get("action", "")
        run = PayRun.objects.filter(cycle_id=sc.cycle_id, school_id=sc.school_id).first()
        if action == "approve":
            if not rules.has_perm("appraisal.approve_pay", user, sc):
                return self.handle_no_permission()
            if run is not None:
                _act(request, lambda: pay.pay_run_approve(run=run, acting_user=user), _("The pay run is approved and locked."))
            return redirect("appraisal:pay_run", pk=pk)
        if action == "export":
            from hrflow.exports.services import start_export_response

            if run is None:
                raise Http404
            return start_export_response(request, kind="appraisal_pay_run", params={"run": run.pk}, back=request.path)
        if not rules.has_perm("appraisal.manage_pay", user, sc):
            return self.handle_no_permission()
        if action == "save":
            form = PayRunForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form))
            if _act(request, lambda: pay.pay_run_save(school_cycle=sc, values=form.values(), acting_user=user), _("Saved.")):
                run = PayRun.objects.get(cycle_id=sc.cycle_id, school_id=sc.school_id)
                _act(request, lambda: pay.pay_run_start(run=run, acting_user=user), _("The pay run is being computed."))
        elif action == "units" and run is not None:
            units = {}
            for key, value in request.POST.items():
                if key.startswith("units-") and (line_id := object_id(key[6:])) is not None and len(units) < 200:
                    units[line_id] = value.strip()[:20]
            if _act(request, lambda: pay.work_units_save(run=run, units=units, acting_user=user), _("Work done saved: compute again to apply it.")):
                pass
        elif action == "start" and run is not None:
            _act(request, lambda: pay.pay_run_start(run=run, acting_user=user), _("The pay run is being computed."))
        else:
            raise Http404
        return redirect("appraisal:pay_run", pk=pk)


# ---- reports ----------------------------------------------------------------------------------------------

class CycleReportView(_CycleMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "appraisal.view_cycle"
    template_name = "appraisal/report.html"

    def has_permission(self):
        return super().has_permission() or selectors.school_cycles_of(self.get_permission_object(), self.request.user).exists()

    def get_context_data(self, **kwargs):
        cycle = self.get_permission_object()
        user = self.request.user
        page = keyset_page(selectors.school_cycles_of(cycle, user), order=selectors.SCHOOL_ORDER, cursor=self.request.GET.get("cursor"))
        return super().get_context_data(cycle=cycle, page=page, **selectors.report(cycle, user, page.rows), **kwargs)


class RevealView(_AppraisalMixin, ScopedPermissionMixin, generic.FormView):
    """Who rated this appraisal: an auditor with the explicit right, a reason, and a log entry each time."""

    permission_required = "appraisal.reveal_raters"
    template_name = "appraisal/reveal.html"
    form_class = ReasonForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(a=self.get_permission_object(), **kwargs)

    def form_valid(self, form):
        try:
            shown = services.raters_reveal(appraisal=self.get_permission_object(), reason=form.cleaned_data["reason"], acting_user=self.request.user)
        except REFUSALS as error:
            form.add_error(None, _refusal_text(error))
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(form=form, shown=shown))


class TaskListView(ScopedPermissionMixin, generic.TemplateView):
    """My appraisal steps: the owner's open steps, the leaders' scores and approvals, appeals and incidents."""

    permission_required = "appraisal.view_cycles"
    template_name = "appraisal/tasks.html"

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        return super().get_context_data(limit=selectors.TASK_LIMIT, **selectors.tasks_for(self.request.user), **kwargs)
