"""Pages for the public, without an account: open rounds, applying, checking a status, 公示."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import generic

from hrflow.core import clock
from hrflow.core.throttle import client_key, ratelimited, status_code_key
from hrflow.policy import GENERAL_CRITERIA, RULES, mask_id_number, post_requirements

from . import selectors, services
from .forms import ApplyForm, ObjectionForm, StatusForm
from .models import Application, SelectionRound

S = SelectionRound.State
SESSION_CODE = "hrflow_application_code"
# The public forms' labels include questions ending in "？" (是否有犯罪记录？): Django's ":" after
# them reads as a typo, so these forms print their labels as written.
LABEL_SUFFIX = ""


@method_decorator(login_not_required, name="dispatch")
class PublicRoundListView(generic.ListView):
    template_name = "jobs/round_list.html"
    context_object_name = "rounds"

    def get_queryset(self):
        return selectors.public_rounds()


class _PublicRoundMixin:
    states = selectors.PUBLIC_STATES

    def get_round(self):
        if not hasattr(self, "_round"):
            self._round = get_object_or_404(
                SelectionRound.objects.select_related("school__unit").filter(state__in=self.states), pk=self.kwargs["pk"]
            )
        return self._round


@method_decorator(login_not_required, name="dispatch")
class PublicRoundDetailView(_PublicRoundMixin, generic.TemplateView):
    """The published standards of a round (printable): criteria with their clauses, procedure,
    assessment and weights, pay and treatment, window."""

    template_name = "jobs/round_detail.html"

    def get_context_data(self, **kwargs):
        round = self.get_round()
        posts = [(post, [RULES[r] for r in post_requirements(post.policy_post())]) for post in round.posts.all()]
        return super().get_context_data(
            round=round, posts=posts, criteria=[RULES[r] for r in GENERAL_CRITERIA], taking=self._taking(round), **kwargs
        )

    @staticmethod
    def _taking(round):
        return round.state == S.OPEN and round.opens_on <= clock.today() <= round.closes_on


@method_decorator(login_not_required, name="dispatch")
@method_decorator(ratelimited("apply", ("RATELIMIT_APPLY", client_key)), name="dispatch")
class ApplyView(_PublicRoundMixin, generic.FormView):
    template_name = "jobs/apply.html"
    form_class = ApplyForm
    states = (S.OPEN,)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "round": self.get_round(), "label_suffix": LABEL_SUFFIX}

    def get_context_data(self, **kwargs):
        round = self.get_round()
        return super().get_context_data(round=round, taking=PublicRoundDetailView._taking(round), **kwargs)

    def form_valid(self, form):
        try:
            application = services.application_submit(round=self.get_round(), post=form.cleaned_data["post"], data=form.applicant_data())
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages_ in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages_)
            else:  # a refusal of the application as a whole (e.g. the neutral one for a duplicate)
                form.add_error(None, error.messages)
            return self.form_invalid(form)
        except services.HiringError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        self.request.session[SESSION_CODE] = application.code
        return redirect("jobs:applied", pk=self.get_round().pk)


@method_decorator(login_not_required, name="dispatch")
class AppliedView(_PublicRoundMixin, generic.TemplateView):
    template_name = "jobs/applied.html"
    states = tuple(S.values)

    def get_context_data(self, **kwargs):
        return super().get_context_data(round=self.get_round(), code=self.request.session.get(SESSION_CODE), **kwargs)


@method_decorator(login_not_required, name="dispatch")
@method_decorator(ratelimited("status", ("RATELIMIT_STATUS", client_key), ("RATELIMIT_STATUS_PER_CODE", status_code_key)), name="dispatch")
class StatusView(generic.FormView):
    """An applicant checks the outcome with the code and their ID number (both, so that a code
    alone cannot be tried out), and sees the clauses cited."""

    template_name = "jobs/status.html"
    form_class = StatusForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "label_suffix": LABEL_SUFFIX}

    def form_valid(self, form):
        code = form.cleaned_data["code"].strip().upper()
        number = form.cleaned_data["id_number"].strip().upper()
        application = Application.objects.select_related("round__school__unit", "post").filter(code=code, id_number=number).first()
        if application is None:
            form.add_error(None, _("No application matches this code and ID number."))
            return self.form_invalid(form)
        findings = application.findings.all()
        return self.render_to_response(self.get_context_data(
            form=form, application=application, findings=findings, masked_id=mask_id_number(application.id_number),
        ))


@method_decorator(login_not_required, name="dispatch")
class PublicityView(_PublicRoundMixin, generic.FormView):
    """公示: the proposed hires and the period; anyone may file an objection during it."""

    template_name = "jobs/publicity.html"
    form_class = ObjectionForm
    states = (S.PUBLICITY, S.HIRING, S.CLOSED)

    def get_publicity(self):
        publicity = services.current_publicity(self.get_round())
        if publicity is None:
            raise Http404
        return publicity

    def listed(self):
        return self.get_round().applications.filter(state__in=[Application.State.APPROVED, Application.State.HIRED]).select_related("post").order_by("post_id", "rank")

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(), "label_suffix": LABEL_SUFFIX,
            "applications": self.get_round().applications.filter(state=Application.State.APPROVED).select_related("post"),
        }

    def get_context_data(self, **kwargs):
        publicity = self.get_publicity()
        today = clock.today()
        return super().get_context_data(
            round=self.get_round(), publicity=publicity, listed=self.listed(),
            open_for_objections=publicity.starts_on <= today <= publicity.ends_on and self.get_round().state == S.PUBLICITY,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.objection_file(publicity=self.get_publicity(), **form.cleaned_data)
        except services.HiringError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        blank = self.get_form_class()(applications=form.fields["application"].queryset, label_suffix=LABEL_SUFFIX)
        return self.render_to_response(self.get_context_data(form=blank, filed=True))
