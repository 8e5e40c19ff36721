"""Exit pages: HR's case list with deadlines, a case with the step its viewer may take and its replay,
the person's own case and statement, the art. 42 statuses of a staff member."""

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import generic
from django_fsm import ConcurrentTransition

from hrflow.core import clock
from hrflow.core.flowsteps import ProcessBusy, StepNotOpen
from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.paging import keyset_page
from hrflow.org.models import Role
from hrflow.people.models import Staff

from . import selectors, services
from .forms import (DecideForm, HandoverAddForm, HandoverConfirmForm, NoteForm, OpenForm, ProtectionForm, ReasonForm, ReviewForm,
                    SettleForm, StateFilterForm, StatementForm)
from .models import ExitCase, Ground, HandoverItem, Protection

REFUSALS = (services.ExitError, StepNotOpen, ProcessBusy, ConcurrentTransition)
S = ExitCase.State


def _refusal_text(error) -> str:
    if isinstance(error, ConcurrentTransition):
        return _("Someone else changed this case at the same time; reload and try again.")
    return str(error)


def _owners(case):
    """Who may check a handover item: the school's HR officers and leaders, a handful of people (not
    sliced: the form's choice field filters this queryset to check the chosen one)."""
    return (get_user_model().objects.filter(role_assignments__unit_id=case.staff.school.unit_id, is_active=True,
                                            role_assignments__role__in=(Role.HR_OFFICER, Role.SCHOOL_LEADER))
            .distinct().order_by("last_name", "first_name", "username"))


def _pay_asked(case) -> bool:
    """The settlement asks for the pay where severance is due or a month's pay replaces the notice."""
    return case.pay_in_lieu or services.severance_is_due(case)


def _lieu(case, choices) -> bool:
    """Whether the decision may offer a month's pay instead of notice (a no-fault ground among the choices)."""
    return any(services.policy.pay_in_lieu_allowed(legal_ground=c, employment_type=case.staff.employment_type) for c in choices)


def _may_withdraw(user, case) -> bool:
    """HR withdraws a case the school opened, the person their own resignation; HR records a
    resignation's withdrawal only for someone without a login (on their written request)."""
    own = rules.has_perm("exits.state_case", user, case)
    if case.ground == Ground.RESIGNATION:
        login = case.staff.person.user
        return own or (rules.has_perm("exits.manage_case", user, case) and (login is None or not login.is_active))
    return rules.has_perm("exits.manage_case", user, case) and not own


def _union(case, choices) -> bool:
    return any(services.union_notice_due(case, c) for c in choices)


class CaseListView(ScopedPermissionMixin, generic.TemplateView):
    """Cases in the user's scope, newest first, with the date each waits for."""

    permission_required = "exits.view_cases"
    template_name = "exits/case_list.html"

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        form = StateFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        page = keyset_page(selectors.cases_visible_to(self.request.user, data.get("state", ""), data.get("waiting", False)),
                           order=selectors.LIST_ORDER, cursor=self.request.GET.get("cursor"), size=50)
        for case in page.rows:
            case.deadline = selectors.deadline(case)
        return super().get_context_data(form=form, page=page, **kwargs)


class _StaffMixin:
    def get_permission_object(self):
        if not hasattr(self, "_staff"):
            self._staff = get_object_or_404(Staff.objects.select_related("person", "school__unit"), pk=self.kwargs["staff_pk"])
        return self._staff


class CaseOpenView(_StaffMixin, ScopedPermissionMixin, generic.FormView):
    permission_required = "exits.manage_case"
    template_name = "exits/case_open.html"
    form_class = OpenForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(staff=self.get_permission_object(), **kwargs)

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            case = services.case_open(staff=self.get_permission_object(), ground=d["ground"], evidence=d["evidence"],
                                      initiated_by=d["initiated_by"] or None, notice_given_on=d["notice_given_on"],
                                      requested_last_day=d["requested_last_day"], acting_user=self.request.user)
        except REFUSALS as error:
            form.add_error(None, _refusal_text(error))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("Exit case opened."))
        return redirect("exits:case_detail", pk=case.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class _CaseMixin:
    def get_permission_object(self):
        if not hasattr(self, "_case"):
            self._case = get_object_or_404(
                ExitCase.objects.select_related("staff__person", "staff__school__unit", "contract", "opened_by", "decided_by", "appraisal__cycle"),
                pk=self.kwargs["pk"])
        return self._case


class CaseDetailView(_CaseMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "exits.view_case"
    template_name = "exits/case_detail.html"

    def get_context_data(self, **kwargs):
        case = self.get_permission_object()
        user = self.request.user
        manage = rules.has_perm("exits.manage_case", user, case)
        lead = rules.has_perm("exits.decide_case", user, case)
        own = rules.has_perm("exits.state_case", user, case)
        forms, blocked, choices = {}, [], ()
        if case.state == S.HEARING and (own or (manage and not case.statement_by_person)):
            forms["state"] = StatementForm(case=case, initial={"statement": case.statement, "agrees": "yes" if case.person_agrees else None})
        if case.state == S.HEARING and manage:
            forms["close_hearing"] = NoteForm()
        if case.state == S.REVIEW and lead:
            forms["review"] = ReviewForm()
        if case.state == S.DECIDING and lead:
            try:
                choices = services.decision_choices(case)
            except services.ExitError:
                choices = ()
            forms["decide"] = DecideForm(choices=choices, lieu=_lieu(case, choices), union=_union(case, choices))
            for ground in choices:
                blocked += services.guards(case, ground, clock.today())
        if case.state == S.NOTICE and manage:
            forms["handover"] = HandoverAddForm(owners=_owners(case), initial={"owner": user.pk})
            average = settings.HRFLOW["EXIT"]["LOCAL_AVERAGE_MONTHLY_PAY"]
            forms["settle"] = SettleForm(initial={"monthly_pay": case.contract.agreed_pay if case.contract else None,
                                                  "local_average_pay": average or None}, pay_asked=_pay_asked(case),
                                         not_renewed=case.decided_ground == Ground.NOT_RENEWED)
        if case.state in ExitCase.UNDECIDED and _may_withdraw(user, case):
            forms["withdraw"] = ReasonForm()
        if case.state == S.NOTICE and lead and not own:
            forms["revoke"] = ReasonForm()
        for name, form in self.kwargs.get("bound", {}).items():
            forms[name] = form
        items = list(case.handover_items.select_related("owner", "done_by"))
        for item in items:
            item.may_confirm = case.state == S.NOTICE and rules.has_perm("exits.confirm_handover", user, item)
        return super().get_context_data(
            case=case, forms=forms, items=items, blocked=blocked, manage=manage, lead=lead, own=own,
            basis=_(services.policy.ground(case.ground).basis), deadline=selectors.deadline(case),
            severance_due=services.severance_is_due(case, case.renewal_declined) if case.decided_ground != Ground.VETO else None,
            timeline=selectors.timeline(case), **kwargs)


class CaseActionView(_CaseMixin, ScopedPermissionMixin, generic.View):
    """POST one step of the case's page; a refusal re-renders the page with the form's errors."""

    http_method_names = ["post"]
    ACTIONS = {
        "state": "exits.state_case",
        "close_hearing": "exits.manage_case",
        "review": "exits.decide_case",
        "decide": "exits.decide_case",
        "handover": "exits.manage_case",
        "settle": "exits.manage_case",
        "withdraw": "exits.view_case",
        "revoke": "exits.decide_case",
    }

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in self.ACTIONS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self):
        case, user, action = self.get_permission_object(), self.request.user, self.kwargs["action"]
        if action == "state":
            return rules.has_perm("exits.state_case", user, case) or rules.has_perm("exits.manage_case", user, case)
        if action == "withdraw":  # the service says why a resignation is the person's to withdraw
            return rules.has_perm("exits.manage_case", user, case) or rules.has_perm("exits.state_case", user, case)
        return rules.has_perm(self.ACTIONS[action], user, case)

    # The state each step is taken in: a POST to another step (a stale page, a crafted URL) is told so.
    STATES = {"state": (S.HEARING,), "close_hearing": (S.HEARING,), "review": (S.REVIEW,), "decide": (S.DECIDING,),
              "handover": (S.NOTICE,), "settle": (S.NOTICE,), "withdraw": ExitCase.UNDECIDED, "revoke": (S.NOTICE,)}

    def _form(self, action, case, data):
        if action == "state":
            return StatementForm(data, case=case)
        if action == "decide":
            choices = services.decision_choices(case)
            return DecideForm(data, choices=choices, lieu=_lieu(case, choices), union=_union(case, choices))
        if action == "handover":
            return HandoverAddForm(data, owners=_owners(case))
        if action == "settle":
            return SettleForm(data, pay_asked=case.state != S.NOTICE or _pay_asked(case), not_renewed=case.decided_ground == Ground.NOT_RENEWED)
        return {"close_hearing": NoteForm, "review": ReviewForm, "withdraw": ReasonForm, "revoke": ReasonForm}[action](data)

    def post(self, request, *args, **kwargs):
        case = self.get_permission_object()
        action = kwargs["action"]
        if case.state not in self.STATES[action]:
            messages.error(request, _("This step is not open: the case is “%(state)s”.") % {"state": case.get_state_display()})
            return redirect("exits:case_detail", pk=case.pk)
        try:
            form = self._form(action, case, request.POST)
        except services.ExitError as error:
            messages.error(request, str(error))
            return redirect("exits:case_detail", pk=case.pk)
        if form.is_valid():
            try:
                message = self.run(action, case, form.cleaned_data)
            except REFUSALS as error:
                form.add_error(None, _refusal_text(error))
            else:
                messages.success(request, message)
                if action == "state" and not rules.has_perm("exits.manage_case", request.user, case):
                    return redirect("exits:mine")
                return redirect("exits:case_detail", pk=case.pk)
        view = CaseDetailView(request=request, kwargs={"pk": case.pk, "bound": {action: form}})
        view._case = ExitCase.objects.select_related("staff__person", "staff__school__unit", "contract", "opened_by", "decided_by").get(pk=case.pk)
        return view.render_to_response(view.get_context_data(), status=400)

    def run(self, action, case, d) -> str:
        user = self.request.user
        if action == "state":
            on_behalf = not rules.has_perm("exits.state_case", user, case)
            services.statement_submit(case=case, text=d["statement"], agrees=d.get("agrees"), acting_user=user, on_behalf=on_behalf)
            return _("Statement recorded.")
        if action == "close_hearing":
            services.hearing_close(case=case, note=d["note"], acting_user=user)
            return _("Hearing closed; the case goes to the collective review.")
        if action == "review":
            services.review_record(case=case, held_at=d["held_at"], place=d["place"], members=d["members"], total=d["total"],
                                   present=d["present"], votes_for=d["votes_for"], votes_against=d["votes_against"],
                                   votes_abstain=d["votes_abstain"], minutes=d["minutes"], acting_user=user)
            return _("Collective review recorded.")
        if action == "decide":
            services.case_decide(case=case, approve=d["decision"] == "approve", reason=d["reason"], legal_ground=d.get("legal_ground") or "",
                                 pay_in_lieu=d.get("pay_in_lieu") or False, union_notified_on=d.get("union_notified_on"), acting_user=user)
            return _("Decision recorded.")
        if action == "handover":
            services.handover_add(case=case, kind=d["kind"], description=d["description"], owner=d["owner"], acting_user=user)
            return _("Handover item added.")
        if action == "settle":
            services.case_settle(case=case, monthly_pay=d.get("monthly_pay"), local_average_pay=d.get("local_average_pay"),
                                 outstanding_pay=d["outstanding_pay"], note=d["note"], renewal_declined=d.get("renewal_declined") or False,
                                 acting_user=user)
            return _("Settled: the employment has ended.")
        if action == "revoke":
            services.case_revoke(case=case, reason=d["reason"], acting_user=user)
            return _("Exit revoked: the employment continues.")
        services.case_withdraw(case=case, reason=d["reason"], acting_user=user)
        return _("Case withdrawn: the employment continues.")


class HandoverConfirmView(ScopedPermissionMixin, generic.View):
    """The item's owner (or the school's HR) confirms it was handed over."""

    http_method_names = ["post"]
    permission_required = "exits.confirm_handover"

    def get_permission_object(self):
        if not hasattr(self, "_item"):
            self._item = get_object_or_404(HandoverItem.objects.select_related("case__staff__school__unit", "owner"), pk=self.kwargs["pk"])
        return self._item

    def post(self, request, *args, **kwargs):
        item = self.get_permission_object()
        form = HandoverConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        else:
            try:
                services.handover_confirm(item=item, done=form.cleaned_data["done"], note=form.cleaned_data["note"], acting_user=request.user)
            except REFUSALS as error:
                messages.error(request, _refusal_text(error))
            else:
                messages.success(request, _("Handover recorded."))
        return redirect("exits:case_detail", pk=item.case_id)


class MyCasesView(generic.TemplateView):
    """The person's own exit cases and, while the hearing is open, their statement."""

    template_name = "exits/mine.html"

    def get_context_data(self, **kwargs):
        cases = list(selectors.own_cases(self.request.user))
        for case in cases:
            case.form = StatementForm(case=case, initial={"statement": case.statement}) if case.state == S.HEARING else None
            case.deadline = selectors.deadline(case)
        return super().get_context_data(cases=cases, **kwargs)


class ProtectionEditView(_StaffMixin, ScopedPermissionMixin, generic.FormView):
    """Record or end a protected status (劳动合同法 art. 42) of a staff member."""

    permission_required = "exits.manage_protections"
    template_name = "exits/protection_form.html"
    form_class = ProtectionForm

    def get_protection(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(Protection, pk=self.kwargs["pk"], staff=self.get_permission_object())

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_protection()
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(staff=self.get_permission_object(), **kwargs)

    def form_valid(self, form):
        try:
            services.protection_record(staff=self.get_permission_object(), data=dict(form.cleaned_data), acting_user=self.request.user,
                                       protection=self.get_protection())
        except REFUSALS as error:
            form.add_error(None, _refusal_text(error))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("Status recorded."))
        return redirect("people:staff_detail", pk=self.get_permission_object().pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
