"""Appraisal's pages: cycles, a school's part, an appraisal, the leaders' scores, the committee, and
My appraisal for staff (self-evaluation and peer ratings, on a phone)."""

import rules
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import generic
from django_fsm import ConcurrentTransition

from hrflow.core.flowsteps import ProcessBusy, StepNotOpen
from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.paging import keyset_page
from hrflow.core.params import object_id
from hrflow.people.models import Staff

from . import selectors, services
from .forms import CommitteeAddForm, CycleForm, GradeChangeForm, NoteForm, RateForm, ReasonForm, ScoringForm, SelfEvaluationForm
from .models import Appraisal, CommitteeMember, Cycle, PeerAssignment, SchoolCycle

REFUSALS = (services.AppraisalError, StepNotOpen, ProcessBusy, ConcurrentTransition)


def _refusal_text(error) -> str:
    if isinstance(error, ConcurrentTransition):
        return _("Someone else changed this at the same time; reload and try again.")
    return str(error)


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
                                          period_end=d["period_end"], config=form.config(), acting_user=self.request.user)
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
        gaps = services.gaps(cycle, limit=20) if owner and cycle.state in (Cycle.State.LEADER, Cycle.State.GRADING) else []
        return super().get_context_data(cycle=cycle, page=page, owner=owner, actions=actions, gaps=gaps, **kwargs)


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
        tied = list(selectors.appraisals_of(sc, "tied").order_by("-composite", "pk")[:200]) if lead and awaiting else []
        places = services.places_left(tied[0], sc.cycle) if tied else 0
        unanswered = None
        if manage and sc.cycle.state in (Cycle.State.SELF, Cycle.State.PEER):
            unanswered = keyset_page(selectors.unanswered_of(sc), order=selectors.UNANSWERED_ORDER,
                                     cursor=self.request.GET.get("ucursor"), size=20)
        return super().get_context_data(
            sc=sc, cycle=sc.cycle, page=page, which=which, filters=list(selectors.FILTERS), progress=selectors.progress([sc]).get(sc.pk, {}),
            lead=lead, manage=manage, owner=owner, awaiting=awaiting, tied=tied, places=places, unanswered=unanswered,
            leader_scoring=lead and sc.cycle.state == Cycle.State.LEADER,
            regrade=owner and sc.state == SchoolCycle.State.RETURNED and sc.cycle.state == Cycle.State.APPROVAL,
            note_form=NoteForm(), reason_form=ReasonForm(), **kwargs)


class SchoolCycleActionView(_SchoolCycleMixin, ScopedPermissionMixin, generic.View):
    """approve / return / tie: the school's leaders; regrade: the cycle's owner."""

    def get_permission_required(self):
        return ("appraisal.manage_cycle",) if self.kwargs["action"] == "regrade" else ("appraisal.lead_school_cycle",)

    def get_permission_object(self):
        sc = super().get_permission_object()
        return sc.cycle if self.kwargs["action"] == "regrade" else sc

    def post(self, request, pk, action):
        sc = _SchoolCycleMixin.get_permission_object(self)
        user = request.user
        if action == "approve":
            form = NoteForm(request.POST)
            if form.is_valid():
                _act(request, lambda: services.school_approve(school_cycle=sc, note=form.cleaned_data["note"], acting_user=user),
                     _("The school's grades are approved."))
        elif action == "return":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give a written reason for the record."))
            else:
                _act(request, lambda: services.school_return(school_cycle=sc, reason=form.cleaned_data["reason"], acting_user=user),
                     _("The grades are returned for regrading."))
        elif action == "tie":
            form = ReasonForm(request.POST)
            chosen = [i for i in (object_id(v) for v in request.POST.getlist("excellent")[:500]) if i is not None]
            if not form.is_valid():
                messages.error(request, _("Give a written reason for the record."))
            else:
                _act(request, lambda: services.tie_decide(school_cycle=sc, group=request.POST.get("group", "")[:16], excellent_ids=chosen,
                                                          reason=form.cleaned_data["reason"], acting_user=user),
                     _("The tie is decided."))
        elif action == "regrade":
            _act(request, lambda: services.school_regrade(school_cycle=sc, acting_user=user), _("The school is graded again."))
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
        return super().get_context_data(sc=self.get_permission_object(), page=self._page(), **kwargs)

    def post(self, request, pk):
        sc = self.get_permission_object()
        scores = {}
        for key, value in request.POST.items():
            if key.startswith("score-") and (pk_ := object_id(key[6:])) is not None and len(scores) < 200:
                scores[pk_] = (value.strip()[:20], request.POST.get(f"comment-{pk_}", "")[:2001])
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
                messages.error(request, _("Choose how this person is scored and record the committee's decision."))
        elif action == "grade" and rules.has_perm("appraisal.lead_school_cycle", user, sc):
            form = GradeChangeForm(request.POST)
            if form.is_valid():
                _act(request, lambda: services.grade_change(appraisal=a, grade=form.cleaned_data["grade"], reason=form.cleaned_data["reason"],
                                                            acting_user=user), _("The grade is changed."))
            else:
                messages.error(request, _("Choose a grade and give a written reason."))
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
            messages.error(request, _("Give a written reason for the record."))
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
                messages.error(request, _("Give a written reason for the record."))
            else:
                _act(request, lambda: services.committee_remove(member=member, reason=form.cleaned_data["reason"], acting_user=request.user),
                     _("Removed from the committee."))
            return redirect("appraisal:committee", school=school.pk)
        form = CommitteeAddForm(request.POST)
        if form.is_valid():
            text = form.cleaned_data["person"].strip()
            matches = list(Staff.objects.filter(school=school).exclude(status=Staff.Status.LEFT)
                           .filter(Q(person__name=text) | Q(person__id_number=text.upper())).select_related("person")[:2])
            if len(matches) != 1:
                form.add_error("person", _("No current staff member of the school has this name or ID number.") if not matches
                               else _("Several staff members have this name: give the ID number."))
            elif _act(request, lambda: services.committee_add(school=school, staff=matches[0], staff_rep=form.cleaned_data["staff_rep"],
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
        for asg in to_rate:
            rating = services.own_rating(asg)
            asg.my_score = rating.score if rating else None
        return super().get_context_data(mine=mine, to_rate=to_rate, **kwargs)


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
        form = RateForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a score from 0 to 100."))
        else:
            _act(request, lambda: services.peer_rate(assignment=asg, score=form.cleaned_data["score"].strip(), acting_user=request.user),
                 _("Your rating of %(person)s is saved.") % {"person": asg.appraisal.staff.person.name})
        return redirect("appraisal:mine")
