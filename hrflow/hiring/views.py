"""Pages of a selection round for HR officers, school leaders, bureau officers and auditors."""


import rules
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from hrflow.audit.selectors import AuditFilter, change_rows
from hrflow.core import clock
from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.paging import keyset_page, list_key, read_cursor
from hrflow.core.params import object_id
from hrflow.core.xlsx import XLSX_CONTENT_TYPE as XLSX
from hrflow.exports.services import start_export_response
from hrflow.org import scope
from hrflow.org.models import Role, School

from . import imports, selectors, services, steps
from .forms import (
    ExaminationForm,
    FinishPublicityForm,
    HireForm,
    ImportForm,
    MemberFormSet,
    NoteForm,
    PostFormSet,
    PublicityStartForm,
    RaterForm,
    ReasonForm,
    RecusalForm,
    ResolveForm,
    ReviewForm,
    RoundForm,
    ScoreSheetForm,
    VotesForm,
    error_text,
)
from .models import Application, Finding, Objection, Recusal, RoundPost, Score, SelectionRound

REFUSALS = (services.HiringError, steps.StepNotOpen, steps.RoundBusy)


def _refused(request, error):
    messages.error(request, str(error))


class _RoundMixin:
    """The round of the URL is the object the permission is tested on."""

    round_kwarg = "pk"

    def get_round(self):
        if not hasattr(self, "_round"):
            self._round = get_object_or_404(SelectionRound.objects.select_related("school__unit"), pk=self.kwargs[self.round_kwarg])
        return self._round

    def get_permission_object(self):
        return self.get_round()

    def back(self):
        return redirect("hiring:round_detail", pk=self.get_round().pk)


class _ApplicationMixin(_RoundMixin):
    def get_application(self):
        if not hasattr(self, "_application"):
            self._application = get_object_or_404(Application.objects.select_related("round__school__unit", "post"), pk=self.kwargs["pk"])
            self._round = self._application.round
        return self._application

    def get_round(self):
        return self.get_application().round

    def back(self):
        return redirect("hiring:application_detail", pk=self.get_application().pk)


class RoundListView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "hiring.view_round"
    template_name = "hiring/round_list.html"
    page_size = 50

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        page = keyset_page(selectors.rounds_visible_to(self.request.user), order=selectors.ROUND_ORDER,
                           cursor=self.request.GET.get("cursor"), size=self.page_size)
        counts = selectors.round_counts([r.pk for r in page.rows])
        rows = [(r, *counts.get(r.pk, (0, 0))) for r in page.rows]
        return super().get_context_data(page=page, rows=rows, can_add=scope.has_role(self.request.user, Role.HR_OFFICER), **kwargs)


class RoundCreateView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "hiring.add_round"
    template_name = "hiring/round_form.html"

    def get_school(self):
        ids = scope.school_ids(self.request.user, {Role.HR_OFFICER})
        wanted = self.request.POST.get("school") or self.request.GET.get("school")
        schools = School.objects.filter(pk__in=ids).select_related("unit")
        school = schools.filter(pk=object_id(wanted)).first() if wanted else schools.first()
        if school is None:
            raise PermissionDenied
        return school

    def get_permission_object(self):
        return self.get_school()

    def get(self, request, *args, **kwargs):
        return self.render(RoundForm(), PostFormSet(queryset=RoundPost.objects.none(), prefix="posts"))

    def post(self, request, *args, **kwargs):
        form = RoundForm(request.POST)
        posts = PostFormSet(request.POST, queryset=RoundPost.objects.none(), prefix="posts")
        if form.is_valid() and posts.is_valid():
            post_data = [{k: v for k, v in f.cleaned_data.items() if k not in ("id", "DELETE")}
                         for f in posts.forms if f.has_changed() and not f.cleaned_data.get("DELETE")]
            try:
                round = services.round_create(school=self.get_school(), data=form.cleaned_data, posts=post_data, acting_user=request.user)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("The plan is saved. Submit it for leadership approval when it is ready."))
                return redirect("hiring:round_detail", pk=round.pk)
        return self.render(form, posts)

    def render(self, form, posts):
        return self.render_to_response(self.get_context_data(form=form, posts=posts, school=self.get_school(), title=_("New selection round")))


def _form_errors(form, error: ValidationError):
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


class RoundEditView(_RoundMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "hiring.manage_round"
    template_name = "hiring/round_form.html"

    def get(self, request, *args, **kwargs):
        round = self.get_round()
        if round.state != SelectionRound.State.DRAFT:
            return self._locked()
        return self.render(RoundForm(instance=round), PostFormSet(queryset=round.posts.all(), prefix="posts"))

    def _locked(self):
        messages.error(self.request, _("Only a plan in preparation can be edited."))
        return self.back()

    def post(self, request, *args, **kwargs):
        round = self.get_round()
        if round.state != SelectionRound.State.DRAFT:
            return self._locked()
        form = RoundForm(request.POST, instance=SelectionRound.objects.get(pk=round.pk))
        posts = PostFormSet(request.POST, queryset=round.posts.all(), prefix="posts")
        if form.is_valid() and posts.is_valid():
            post_data = [{k: v for k, v in f.cleaned_data.items() if k not in ("id", "DELETE")}
                         for f in posts.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            data = {k: form.cleaned_data[k] for k in RoundForm.Meta.fields}
            try:
                services.round_update(round=round, data=data, posts=post_data, acting_user=request.user, reason=_("Plan revised"))
            except ValidationError as error:
                _form_errors(form, error)
            except REFUSALS as error:
                _refused(request, error)
                return self.back()
            else:
                messages.success(request, _("Plan saved."))
                return self.back()
        return self.render(form, posts)

    def render(self, form, posts):
        round = self.get_round()
        return self.render_to_response(self.get_context_data(form=form, posts=posts, school=round.school, round=round, title=_("Edit the plan")))


class RoundDetailView(_RoundMixin, ScopedPermissionMixin, generic.TemplateView):
    """The hub of a round: its plan, where it stands, and the step the user may take now."""

    permission_required = "hiring.view_round"
    template_name = "hiring/round_detail.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        round = self.get_round()
        user = self.request.user
        manage = rules.has_perm("hiring.manage_round", user, round)
        lead = rules.has_perm("hiring.lead_round", user, round)
        open_steps = steps.open_step_names(round)
        state_form = ApplicationStateFilterForm(self.request.GET)
        state = state_form.cleaned_data["state"] if state_form.is_valid() else None
        applications = keyset_page(selectors.application_rows(round, state=state or None), order=selectors.APPLICATION_ORDER,
                                   cursor=self.request.GET.get("cursor"), size=self.page_size)
        publicity = services.current_publicity(round)
        context = {
            "round": round,
            "posts": round.posts.all(),
            "open_steps": open_steps,
            "step_titles": [str(getattr(steps.flow_class().instance, n).task_title) for n in open_steps],
            "manage": manage,
            "lead": lead,
            "show_sensitive": selectors.can_see_applicant_sensitive(user, round),
            "applications": applications.rows,
            "page": applications,
            "state_form": state_form,
            "counts": selectors.application_state_counts(round),
            "publicity": publicity,
            "objections": publicity.objections.select_related("application") if publicity else [],
            "reviews": round.reviews.prefetch_related("members", "items__application", "items__finding"),
            "note_form": NoteForm(),
            "reason_form": ReasonForm(),
            "publicity_form": PublicityStartForm(initial={"starts_on": clock.today()}),
            "finish_publicity_form": FinishPublicityForm(),
            "resolve_form": ResolveForm(),
            # Places still to fill matter only while hiring.
            "unfilled": services.unfilled_places(round) if round.state == SelectionRound.State.HIRING else 0,
            "can_rerun_screening": manage and services.screening_can_rerun(round),
            "today": clock.today(),
            "can_replay": rules.has_perm("audit.view_history", user, round),
        }
        return super().get_context_data(**context, **kwargs)


# name -> (permission, form class or None, service call)
ROUND_ACTIONS = {
    "submit": ("hiring.manage_round", None, lambda r, u, d: services.round_submit(round=r, acting_user=u)),
    "approve": ("hiring.lead_round", NoteForm, lambda r, u, d: services.round_approve(round=r, acting_user=u, note=d["note"])),
    "reject": ("hiring.lead_round", NoteForm, lambda r, u, d: services.round_reject(round=r, acting_user=u, note=d["note"])),
    "publish": ("hiring.manage_round", None, lambda r, u, d: services.round_publish(round=r, acting_user=u)),
    "revise": ("hiring.manage_round", ReasonForm, lambda r, u, d: services.round_revise(round=r, acting_user=u, reason=d["reason"])),
    "rerun_screening": ("hiring.manage_round", None, lambda r, u, d: services.round_rerun_screening(round=r, acting_user=u)),
    "close_applications": ("hiring.manage_round", None, lambda r, u, d: services.round_close_applications(round=r, acting_user=u)),
    "finish_screening": ("hiring.manage_round", None, lambda r, u, d: services.round_finish_screening(round=r, acting_user=u)),
    "finish_assessment": ("hiring.manage_round", None, lambda r, u, d: services.round_finish_assessment(round=r, acting_user=u)),
    "finish_examination": ("hiring.manage_round", None, lambda r, u, d: services.round_finish_examination(round=r, acting_user=u)),
    "start_publicity": ("hiring.manage_round", PublicityStartForm, lambda r, u, d: services.publicity_start(round=r, starts_on=d["starts_on"], acting_user=u)),
    "finish_publicity": ("hiring.manage_round", FinishPublicityForm, lambda r, u, d: services.round_finish_publicity(round=r, acting_user=u, propose_next=d["propose_next"])),
    "close": ("hiring.manage_round", None, lambda r, u, d: services.round_close(round=r, acting_user=u)),
    "end": ("hiring.manage_round", ReasonForm, lambda r, u, d: services.round_end(round=r, reason=d["reason"], acting_user=u)),
}


class RoundActionView(_RoundMixin, ScopedPermissionMixin, generic.View):
    """One step of the round (POST). Refusals come back as a message on the round page."""

    http_method_names = ["post"]

    def get_permission_required(self):
        action = ROUND_ACTIONS.get(self.kwargs["action"])
        if action is None:
            raise Http404
        return (action[0],)

    def post(self, request, *args, **kwargs):
        _perm, form_class, call = ROUND_ACTIONS[kwargs["action"]]
        data = {}
        if form_class is not None:
            form = form_class(request.POST)
            if not form.is_valid():
                messages.error(request, error_text(form))
                return self.back()
            data = form.cleaned_data
        try:
            call(self.get_round(), request.user, data)
        except REFUSALS as error:
            _refused(request, error)
        else:
            messages.success(request, _("Done."))
        return self.back()


class ApplicationImportView(_RoundMixin, ScopedPermissionMixin, generic.FormView):
    permission_required = "hiring.manage_round"
    template_name = "hiring/import.html"
    form_class = ImportForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "round": self.get_round()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(round=self.get_round(), upload_limit=imports.upload_max_bytes(), max_rows=imports.MAX_ROWS, **kwargs)

    def form_valid(self, form):
        try:
            count = imports.applications_import(round=self.get_round(), stream=form.cleaned_data["file"],
                                                acting_user=self.request.user, reason=form.cleaned_data.get("reason", ""))
        except imports.ImportRejected as rejected:
            return self.render_to_response(self.get_context_data(form=form, problems=rejected.problems))
        messages.success(self.request, _("%(n)d applicants imported.") % {"n": count})
        return self.back()


class ImportTemplateView(_RoundMixin, ScopedPermissionMixin, generic.View):
    permission_required = "hiring.manage_round"

    def get(self, request, *args, **kwargs):
        response = HttpResponse(imports.template_workbook(self.get_round()), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="hrflow-applicants-round-{self.get_round().pk}.xlsx"'
        return response


class ApplicationDetailView(_ApplicationMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "hiring.view_round"
    template_name = "hiring/application_detail.html"

    def get_context_data(self, **kwargs):
        application = self.get_application()
        round = application.round
        user = self.request.user
        others, employed = services.overlapping(application)
        return super().get_context_data(
            application=application, round=round,
            manage=rules.has_perm("hiring.manage_round", user, round),
            show_sensitive=selectors.can_see_applicant_sensitive(user, round),
            # The declaration is needed while the person applies; once hired it lives on the
            # employment, once out of the running nobody needs it (PIPL art. 6).
            show_attestation=selectors.can_see_applicant_sensitive(user, round) and application.state in services.ACTIVE_STATES,
            findings=application.findings.select_related("overridden_by"),
            scores=application.scores.select_related("rater").order_by("component", "rater__name"),
            recusals=application.recusals.select_related("rater"),
            examinations=application.examinations.all(),
            others=others, employed=employed,
            reason_form=ReasonForm(), exam_form=ExaminationForm(initial={"held_on": clock.today()}), hire_form=HireForm(),
            **kwargs,
        )


class FindingOverrideView(_RoundMixin, ScopedPermissionMixin, generic.View):
    permission_required = "hiring.manage_round"
    http_method_names = ["post"]

    def get_finding(self):
        if not hasattr(self, "_finding"):
            self._finding = get_object_or_404(Finding.objects.select_related("application__round__school__unit"), pk=self.kwargs["pk"])
        return self._finding

    def get_round(self):
        return self.get_finding().application.round

    def post(self, request, *args, **kwargs):
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("An override needs a written reason.") + " " + error_text(form))
        else:
            try:
                services.finding_override(finding=self.get_finding(), reason=form.cleaned_data["reason"], acting_user=request.user)
                messages.success(request, _("Override recorded; the collective review must confirm it."))
            except REFUSALS as error:
                _refused(request, error)
        return redirect("hiring:application_detail", pk=self.get_finding().application_id)


class ApplicationExcludeView(_ApplicationMixin, ScopedPermissionMixin, generic.View):
    permission_required = "hiring.manage_round"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                services.application_exclude(application=self.get_application(), reason=form.cleaned_data["reason"], acting_user=request.user)
                messages.success(request, _("Application excluded."))
            except REFUSALS as error:
                _refused(request, error)
        else:
            messages.error(request, _("Say why the application is excluded.") + " " + error_text(form))
        return self.back()


class ScoreSheetView(_RoundMixin, ScopedPermissionMixin, generic.TemplateView):
    """Raters, recusals and the score grid of every eligible applicant."""

    permission_required = "hiring.manage_round"
    template_name = "hiring/scores.html"
    page_size = 50

    def grid(self, cursor):
        """The raters, weighted components and one page of eligible applications of the round; the
        sheet is saved a page at a time (only the posted cells change)."""
        round = self.get_round()
        raters = list(round.raters.all())
        page = keyset_page(selectors.score_sheet_rows(round), order=selectors.SCORE_SHEET_ORDER, cursor=cursor, size=self.page_size)
        components = [(c, label) for c, label in Score.Component.choices
                      if (round.exam_weight if c == Score.Component.EXAM else round.interview_weight)]
        return raters, page, components

    @staticmethod
    def recusal_form(round, ids):
        """The recusal form offers this page's applicants: a round's every eligible applicant
        (tens of thousands) would make the page a megabyte of options."""
        form = RecusalForm(round=round)
        form.fields["application"].queryset = selectors.score_sheet_rows(round).filter(pk__in=ids).order_by(*selectors.SCORE_SHEET_ORDER)
        return form

    def get_context_data(self, posted=None, **kwargs):
        round = self.get_round()
        cursor = posted.get("cursor") if posted is not None else self.request.GET.get("cursor")
        raters, page, components = self.grid(cursor)
        ids = [a.pk for a in page.rows]
        scores = {(s.application_id, s.rater_id, s.component): s.value for s in Score.objects.filter(application_id__in=ids)}
        recused = {(r.rater_id, r.application_id): r.reason for r in Recusal.objects.filter(rater__round=round, application_id__in=ids)}
        rows = []
        for application in page.rows:
            cells = []
            for component, _label in components:
                for rater in raters:
                    name = f"score-{application.pk}-{rater.pk}-{component}"
                    value = scores.get((application.pk, rater.pk, component), "")
                    cells.append({
                        "name": name,
                        # A refused sheet comes back as it was typed, so nothing typed is lost.
                        "value": posted.get(name, value) if posted is not None else value,
                        "recused": recused.get((rater.pk, application.pk)),
                    })
            rows.append((application, cells))
        return super().get_context_data(
            round=round, raters=raters, components=components, rows=rows, page=page, cursor=cursor or "",
            rater_form=RaterForm(), recusal_form=self.recusal_form(round, ids), **kwargs,
        )

    def post(self, request, *args, **kwargs):
        round = self.get_round()
        raters, page, components = self.grid(request.POST.get("cursor"))
        form = ScoreSheetForm(request.POST, applications=page.rows, raters=raters, components=components)
        if not form.is_valid():
            messages.error(request, error_text(form))
            return self.render_to_response(self.get_context_data(posted=request.POST))
        try:
            n = services.scores_save(round=round, entries=form.entries(), acting_user=request.user, reason=_("Scores entered from the score sheets"))
            messages.success(request, _("%(n)d scores saved.") % {"n": n})
        except REFUSALS as error:
            _refused(request, error)
        return redirect(_with_cursor(round, request.POST.get("cursor")))


class RaterAddView(_RoundMixin, ScopedPermissionMixin, generic.View):
    permission_required = "hiring.manage_round"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = RaterForm(request.POST)
        try:
            if not form.is_valid():
                raise services.HiringError(error_text(form))
            rater = services.rater_add(round=self.get_round(), name=form.cleaned_data["name"], acting_user=request.user)
            messages.success(request, _("%(name)s is a rater.") % {"name": rater.name})
        except REFUSALS as error:
            _refused(request, error)
        return redirect("hiring:scores", pk=self.get_round().pk)


class RecusalAddView(_RoundMixin, ScopedPermissionMixin, generic.View):
    permission_required = "hiring.manage_round"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = RecusalForm(request.POST, round=self.get_round())
        try:
            if not form.is_valid():
                raise services.HiringError(_("Choose the rater and the applicant, and state the conflict.") + " " + error_text(form))
            services.recusal_record(rater=form.cleaned_data["rater"], application=form.cleaned_data["application"],
                                    reason=form.cleaned_data["reason"], acting_user=request.user)
            messages.success(request, _("Recusal recorded."))
        except REFUSALS as error:
            _refused(request, error)
        return redirect("hiring:scores", pk=self.get_round().pk)


class ExaminationRecordView(_ApplicationMixin, ScopedPermissionMixin, generic.View):
    permission_required = "hiring.manage_round"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = ExaminationForm(request.POST)
        if not form.is_valid():
            messages.error(request, error_text(form))
            return self.back()
        try:
            services.examination_record(application=self.get_application(), acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("Result recorded."))
        except REFUSALS as error:
            _refused(request, error)
        return self.back()


class ReviewRecordView(_RoundMixin, ScopedPermissionMixin, generic.TemplateView):
    """集体研究: members, attendance, recusals, votes on each motion, minutes."""

    permission_required = "hiring.lead_round"
    template_name = "hiring/review_form.html"

    def get(self, request, *args, **kwargs):
        return self.render(ReviewForm(), MemberFormSet(prefix="members"), {})

    def post(self, request, *args, **kwargs):
        round = self.get_round()
        form = ReviewForm(request.POST)
        members = MemberFormSet(request.POST, prefix="members")
        votes = VotesForm(request.POST, agenda=services.review_agenda(round))
        if form.is_valid() and members.is_valid() and votes.is_valid():
            member_data = [m.cleaned_data for m in members.forms if m.cleaned_data.get("name")]
            try:
                services.review_record(round=round, members=member_data, votes=votes.votes(), acting_user=request.user, **form.cleaned_data)
            except REFUSALS as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The collective review is recorded."))
                return self.back()
        if votes.errors:
            form.add_error(None, error_text(votes))
        return self.render(form, members, request.POST)

    def render(self, form, members, posted):
        agenda = services.review_agenda(self.get_round())
        for item in agenda:
            item["values"] = {k: posted.get(f"{item['key']}-{k}", "") for k in ("for", "against", "abstain")}
        return self.render_to_response(self.get_context_data(round=self.get_round(), form=form, members=members, agenda=agenda))


class ObjectionResolveView(_RoundMixin, ScopedPermissionMixin, generic.View):
    permission_required = "hiring.manage_round"
    http_method_names = ["post"]

    def get_objection(self):
        if not hasattr(self, "_objection"):
            self._objection = get_object_or_404(Objection.objects.select_related("publicity__round__school__unit"), pk=self.kwargs["pk"])
        return self._objection

    def get_round(self):
        return self.get_objection().publicity.round

    def post(self, request, *args, **kwargs):
        form = ResolveForm(request.POST)
        round = self.get_round()
        if form.is_valid():
            try:
                services.objection_resolve(objection=self.get_objection(), acting_user=request.user, **form.cleaned_data)
                messages.success(request, _("Objection resolved."))
            except REFUSALS as error:
                _refused(request, error)
        else:
            messages.error(request, _("Choose a decision and give its reason."))
        return redirect("hiring:round_detail", pk=round.pk)


class HireView(_ApplicationMixin, ScopedPermissionMixin, generic.View):
    permission_required = "hiring.manage_round"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = HireForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return self.back()
        try:
            with transaction.atomic():
                staff = services.application_hire(application=self.get_application(), acting_user=request.user,
                                                  acknowledge_overlap=form.cleaned_data["acknowledge_overlap"],
                                                  link=form.cleaned_data["link"] or None, reason=form.cleaned_data["reason"])
            messages.success(request, _("%(name)s is hired; a draft contract is ready.") % {"name": staff.person.name})
        except REFUSALS as error:
            _refused(request, error)
        return self.back()


class ResultsExportView(_RoundMixin, ScopedPermissionMixin, generic.View):
    """Starts the export of the round's results as a job (a round may hold thousands of applications)."""

    permission_required = "hiring.view_round"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        round = self.get_round()
        return start_export_response(request, kind="hiring_results", params={"round": round.pk},
                                     back=reverse("hiring:round_detail", args=[round.pk]))


class RoundTimelineView(_RoundMixin, ScopedPermissionMixin, generic.TemplateView):
    """An auditor replays a round: every change of every record of it, oldest first."""

    permission_required = "audit.view_history"
    template_name = "hiring/timeline.html"

    def get_context_data(self, **kwargs):
        rows, more = change_rows(user=self.request.user, flt=AuditFilter(round_id=self.get_round().pk), limit=2000)
        return super().get_context_data(round=self.get_round(), rows=list(reversed(rows)), truncated=more, **kwargs)


class TaskListView(ScopedPermissionMixin, generic.TemplateView):
    """My steps to take: the open steps of rounds in my scope that my role takes."""

    permission_required = "hiring.view_round"
    template_name = "hiring/tasks.html"
    page_size = 50

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        user = self.request.user
        page = keyset_page(selectors.open_tasks_for(user), order=selectors.TASK_ORDER, cursor=self.request.GET.get("cursor"),
                           size=self.page_size)
        return super().get_context_data(page=page, tasks=selectors.tasks_for(user, page.rows), **kwargs)


class ApplicationStateFilterForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False,
                              choices=[("", gettext_lazy("All")), *Application.State.choices])


def _with_cursor(round, cursor):
    """The round's score sheet on the page of `cursor`, if it is a cursor of that sheet."""
    url = reverse("hiring:scores", kwargs={"pk": round.pk})
    key = list_key(selectors.score_sheet_rows(round))
    return f"{url}?{urlencode({'cursor': cursor})}" if read_cursor(cursor, selectors.SCORE_SHEET_ORDER, key) else url
