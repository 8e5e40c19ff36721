"""Contracts' pages: lists, the renewal inbox, a contract with its actions, dispatch agreements."""

import rules
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import generic
from django_fsm import ConcurrentTransition

from hrflow.core import clock
from hrflow.core.flowsteps import ProcessBusy, StepNotOpen
from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.paging import keyset_page
from hrflow.people.models import Staff

from . import selectors, services
from .forms import DecideForm, DispatchForm, DraftForm, GradeForm, ProposeForm, ReasonForm, SignForm, StateFilterForm
from .models import Contract, DispatchAgreement, RenewalCase

REFUSALS = (services.ContractError, StepNotOpen, ProcessBusy, ConcurrentTransition)


def _refusal_text(error) -> str:
    if isinstance(error, ConcurrentTransition):
        return _("Someone else changed this contract at the same time; reload and try again.")
    return str(error)


class ContractListView(ScopedPermissionMixin, generic.TemplateView):
    permission_required = "contracts.view_contracts"
    template_name = "contracts/contract_list.html"

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        form = StateFilterForm(self.request.GET or None)
        state = form.cleaned_data["state"] if form.is_valid() else ""
        page = keyset_page(selectors.contracts_visible_to(self.request.user, state), order=selectors.LIST_ORDER,
                           cursor=self.request.GET.get("cursor"), size=50)
        return super().get_context_data(form=form, page=page, **kwargs)


class RenewalTaskListView(ScopedPermissionMixin, generic.TemplateView):
    """The renewal inbox: contracts that wait for this user's proposal or decision."""

    permission_required = "contracts.view_renewals"
    template_name = "contracts/renewal_tasks.html"

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        page = keyset_page(selectors.renewal_inbox(self.request.user), order=selectors.INBOX_ORDER,
                           cursor=self.request.GET.get("cursor"), size=50)
        return super().get_context_data(page=page, renewal_days=settings.HRFLOW["RENEWAL_NOTICE_DAYS"], **kwargs)


class _ContractMixin:
    def get_permission_object(self):
        if not hasattr(self, "_contract"):
            self._contract = get_object_or_404(
                Contract.objects.select_related("staff__person", "staff__school__unit", "renews"), pk=self.kwargs["pk"])
        return self._contract


class ContractDetailView(_ContractMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "contracts.view_contract"
    template_name = "contracts/contract_detail.html"

    def get_context_data(self, **kwargs):
        contract = self.get_permission_object()
        user = self.request.user
        manage = rules.has_perm("contracts.manage_contract", user, contract)
        lead = rules.has_perm("contracts.approve_renewal", user, contract)
        case = RenewalCase.objects.filter(contract=contract).select_related("proposed_by", "decided_by", "new_contract").first()
        S = Contract.State
        forms = {}
        if manage and contract.state in Contract.RUNNING:
            forms["grade"] = GradeForm(initial={"grade": contract.term_grade, "note": contract.term_grade_note})
        if manage and contract.state == S.PROBATION:
            forms["confirm"] = ReasonForm()
        if manage and contract.state == S.DRAFT:
            forms["withdraw"] = ReasonForm()
        if manage and contract.state == S.EXPIRING and case is None:
            forms["propose"] = ProposeForm(contract=contract)
        if manage and case is not None and case.state == RenewalCase.State.RETURNED:
            forms["revise"] = ProposeForm(contract=contract, initial={"renew": "yes" if case.renew else "no", "new_term_months": case.new_term_months,
                                                   "person_asked_fixed_term": case.person_asked_fixed_term})
        if lead and case is not None and case.state == RenewalCase.State.PROPOSED:
            forms["decide"] = DecideForm()
        for name, form in self.kwargs.get("bound", {}).items():
            forms[name] = form
        return super().get_context_data(
            contract=contract, case=case, forms=forms, can_sign=manage and contract.state == S.DRAFT,
            open_ended_due=services.renewal_facts(contract) if contract.state == S.EXPIRING else [],
            timeline=selectors.timeline(contract), may_manage=manage, renewal=getattr(contract, "renewal", None), **kwargs)


class ContractActionView(_ContractMixin, ScopedPermissionMixin, generic.View):
    """POST one action of the contract's page; a refusal re-renders the page with the form's errors."""

    http_method_names = ["post"]
    ACTIONS = {
        "grade": (GradeForm, "contracts.manage_contract"),
        "confirm": (ReasonForm, "contracts.manage_contract"),
        "withdraw": (ReasonForm, "contracts.manage_contract"),
        "propose": (ProposeForm, "contracts.manage_contract"),
        "revise": (ProposeForm, "contracts.manage_contract"),
        "decide": (DecideForm, "contracts.approve_renewal"),
    }

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in self.ACTIONS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_permission_required(self):
        return (self.ACTIONS[self.kwargs["action"]][1],)

    def post(self, request, *args, **kwargs):
        contract = self.get_permission_object()
        action = kwargs["action"]
        form_class = self.ACTIONS[action][0]
        form = form_class(request.POST, contract=contract) if form_class is ProposeForm else form_class(request.POST)
        if form.is_valid():
            try:
                message = self.run(action, contract, form.cleaned_data)
            except REFUSALS as error:
                form.add_error(None, _refusal_text(error))
            else:
                messages.success(request, message)
                return redirect("contracts:contract_detail", pk=contract.pk)
        view = ContractDetailView(request=request, kwargs={"pk": contract.pk, "bound": {action: form}})
        view._contract = contract
        return view.render_to_response(view.get_context_data(), status=400)

    def run(self, action, contract, data) -> str:
        user = self.request.user
        if action == "grade":
            services.contract_grade_term(contract=contract, grade=data["grade"], note=data["note"], acting_user=user)
            return _("Term evaluation recorded.")
        if action == "confirm":
            services.contract_confirm(contract=contract, acting_user=user, reason=data["reason"])
            return _("Probation passed.")
        if action == "withdraw":
            services.contract_withdraw(contract=contract, acting_user=user, reason=data["reason"])
            return _("Draft withdrawn.")
        case = RenewalCase.objects.filter(contract=contract).first()
        if action == "propose":
            services.renewal_propose(contract=contract, renew=data["renew"], new_term_months=data["new_term_months"], reason=data["reason"],
                                     person_asked_fixed_term=data["person_asked_fixed_term"], acting_user=user)
            return _("Proposal sent to the school's leaders.")
        if case is None:
            raise services.ContractError(_("No renewal has been proposed for this contract."))
        if action == "revise":
            services.renewal_revise(case=case, renew=data["renew"], new_term_months=data["new_term_months"], reason=data["reason"],
                                    person_asked_fixed_term=data["person_asked_fixed_term"], acting_user=user)
            return _("Revised proposal sent to the school's leaders.")
        services.renewal_decide(case=case, approve=data["approve"], reason=data["reason"], acting_user=user)
        return _("Decision recorded.")


class ContractSignView(_ContractMixin, ScopedPermissionMixin, generic.TemplateView):
    permission_required = "contracts.manage_contract"
    template_name = "contracts/sign.html"

    def get(self, request, *args, **kwargs):
        contract = self.get_permission_object()
        if contract.state != Contract.State.DRAFT:
            messages.info(request, _("This contract has already been signed or withdrawn."))
            return redirect("contracts:contract_detail", pk=contract.pk)
        return self.render_to_response(self.get_context_data(form=SignForm.for_contract(contract), contract=contract))

    def post(self, request, *args, **kwargs):
        contract = self.get_permission_object()
        form = SignForm.for_contract(contract, request.POST)
        needs_reason = False
        if form.is_valid():
            d = form.cleaned_data
            terms = services.Terms(starts_on=d["starts_on"], term_months=d["term_months"], probation_months=d["probation_months"],
                                   agreed_pay=d["agreed_pay"], probation_pay=d["probation_pay"], post=d["post"],
                                   evaluation_method=d["evaluation_method"], first_employment=d["first_employment"],
                                   task_based=d["task_based"])
            try:
                services.contract_sign(contract=contract, terms=terms, signed_on=d["signed_on"], acting_user=request.user, reason=d["reason"])
            except REFUSALS as error:
                form.add_error(None, _refusal_text(error))
                needs_reason = isinstance(error, services.ReasonRequired)
            else:
                messages.success(request, _("Contract signed."))
                return redirect("contracts:contract_detail", pk=contract.pk)
        return self.render_to_response(self.get_context_data(form=form, contract=contract, needs_reason=needs_reason), status=400)


class _StaffMixin:
    def get_permission_object(self):
        if not hasattr(self, "_staff"):
            self._staff = get_object_or_404(Staff.objects.select_related("person", "school__unit"), pk=self.kwargs["staff_pk"])
        return self._staff


class ContractDraftView(_StaffMixin, ScopedPermissionMixin, generic.TemplateView):
    """Draft a contract for a staff member recorded without one; the signature follows on its page."""

    permission_required = "contracts.manage_contract"
    template_name = "contracts/draft_form.html"

    def get(self, request, *args, **kwargs):
        staff = self.get_permission_object()
        form = DraftForm(initial={"starts_on": max(staff.hired_on, clock.today()), "term_months": 36})
        return self.render_to_response(self.get_context_data(form=form, staff=staff))

    def post(self, request, *args, **kwargs):
        staff = self.get_permission_object()
        form = DraftForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                contract = services.contract_draft_for(staff=staff, starts_on=d["starts_on"], term_months=d["term_months"],
                                                       acting_user=request.user, reason=d["reason"])
            except REFUSALS as error:
                form.add_error(None, _refusal_text(error))
            else:
                messages.success(request, _("Contract drafted: record the signature when it is signed."))
                return redirect("contracts:contract_detail", pk=contract.pk)
        return self.render_to_response(self.get_context_data(form=form, staff=staff), status=400)


class DispatchEditView(_StaffMixin, ScopedPermissionMixin, generic.TemplateView):
    """Record a dispatched staff member's agency and agreement period (or correct the latest)."""

    permission_required = "contracts.manage_contract"
    template_name = "contracts/dispatch_form.html"

    def agreement(self):
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        return get_object_or_404(DispatchAgreement, pk=pk, staff=self.get_permission_object())

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=DispatchForm(instance=self.agreement()), staff=self.get_permission_object()))

    def post(self, request, *args, **kwargs):
        staff = self.get_permission_object()
        agreement = self.agreement()
        form = DispatchForm(request.POST, instance=agreement)
        if form.is_valid():
            data = {f: form.cleaned_data[f] for f in DispatchForm.Meta.fields}
            try:
                services.dispatch_record(staff=staff, data=data, acting_user=request.user, reason=form.cleaned_data["reason"],
                                         agreement=agreement)
            except REFUSALS as error:
                form.add_error(None, _refusal_text(error))
            else:
                messages.success(request, _("Dispatch agreement saved."))
                return redirect("people:staff_detail", pk=staff.pk)
        return self.render_to_response(self.get_context_data(form=form, staff=staff), status=400)
