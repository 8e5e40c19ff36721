"""Each role's start page and the login page: part of the shell (hrflow/site.py), since a home
page gathers every area's work (hiring's inbox, the audit's changes, the compliance roll-up)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.utils.decorators import method_decorator
from django.views import generic
from viewflow.contrib.auth import AuthenticationForm

from hrflow.audit.selectors import AuditFilter, change_rows
from hrflow.core.throttle import client_key, ratelimited
from hrflow.demo.data import DEMO_PASSWORD, demo_logins
from hrflow.exits import selectors as exit_selectors
from hrflow.hiring import selectors as hiring_selectors
from hrflow.org import scope
from hrflow.org.models import OrgUnit, Role, School
from hrflow.org.selectors import scope_root
from hrflow.people.models import Staff
from hrflow.staffing.selectors import compliance_rollup, school_staffing_lines, staff_by_category


class HomeView(generic.TemplateView):
    """Each role's start page: what that role works on, in the scope it holds."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        roles = scope.roles(user)
        context = {"roles": roles, "sections": []}
        school_roles = {Role.HR_OFFICER, Role.SCHOOL_LEADER}
        if roles & school_roles:
            school_ids = scope.school_ids(user, school_roles)
            context["schools"] = [self._school_card(s) for s in School.objects.filter(pk__in=school_ids).select_related("unit")]
            # What waits for this officer or leader in the open selection inbox.
            context["waiting_tasks"] = hiring_selectors.task_count(user)
            # Exit cases whose next step is this officer's or leader's (a school's few cases).
            context["waiting_exits"] = exit_selectors.cases_visible_to(user, waiting=True).count()
        if Role.STAFF in roles:
            person = getattr(user, "person", None)
            context["employments"] = person.employments.select_related("school__unit") if person else []
            context["my_exit_cases"] = [c for c in exit_selectors.own_cases(user) if c.state in ("hearing", "deciding", "review", "notice")]
        if Role.BUREAU_OFFICER in roles:
            # The roll-up of the compliance page, one level below the officer's area (cached per
            # data change): a province's 5,000 schools are never aggregated on each visit.
            root = scope_root(user)
            level = "county" if root is not None and root.kind in (OrgUnit.Kind.CITY, OrgUnit.Kind.COUNTY) else "city"
            rollup = compliance_rollup(user, under=root, level=level)
            context.update(rollup_rows=rollup["rows"], rollup_level=level, bureau_totals=rollup["totals"])
        if Role.AUDITOR in roles:
            context["recent_changes"], _more = change_rows(user=user, flt=AuditFilter(), limit=10)
        return super().get_context_data(**context, **kwargs)

    def _school_card(self, school):
        by_category = staff_by_category(school)
        lines = school_staffing_lines(school)
        return {
            "school": school,
            "staff": sum(n for _label, n in by_category),
            "by_category": by_category,
            "failing": [line for line in lines if not line.ok],
            "suspended": Staff.objects.filter(school=school, status=Staff.Status.SUSPENDED).count(),
            "exiting": Staff.objects.filter(school=school, status=Staff.Status.EXITING).count(),
        }


@method_decorator(
    ratelimited("login", ("RATELIMIT_LOGIN", client_key), template="registration/locked_out.html"), name="dispatch"
)
class LoginView(auth_views.LoginView):
    """viewflow's login form; in development (DEBUG) the demo logins are listed beside it.
    Throttled twice: django-axes locks a username at one address after repeated failures
    (settings AXES_*), and all login POSTs of one address are rate-limited (RATELIMIT_LOGIN)."""

    form_class = AuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEBUG:
            context.update(demo_logins=demo_logins(), demo_password=DEMO_PASSWORD)
        return context
