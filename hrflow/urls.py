from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from hrflow.audit import views as audit_views
from hrflow.hiring import public_views
from hrflow.hiring import views as hiring_views
from hrflow.core.views import PingView
from hrflow.home import LoginView
from hrflow.site import OVERSIGHT, HrflowApp, HrflowSite, MenuItem
from hrflow.exports import urls as exports_urls
from hrflow.notifications import urls as notifications_urls
from hrflow.staffing import urls as org_urls  # the Schools area: org's school search and the staffing pages
from hrflow.org.models import Role
from hrflow.people import urls as people_urls
from hrflow.training import urls as training_urls
from hrflow.contracts import urls as contracts_urls
from hrflow.rosters import urls as rosters_urls
from hrflow.appraisal import urls as appraisal_urls
from hrflow.exits import urls as exits_urls

site = HrflowSite(
    title=_("HRflow"),
    viewsets=[
        HrflowApp(
            app_name="org",
            title=_("Schools"),
            icon="account_balance",
            roles=OVERSIGHT,
            menu=(
                MenuItem("org:school_list", _("Schools"), "school", OVERSIGHT),
                MenuItem("org:compliance", _("Staffing compliance"), "fact_check", OVERSIGHT),
            ),
            urlpatterns=org_urls.urlpatterns,
        ),
        HrflowApp(
            app_name="people",
            title=_("People"),
            icon="badge",
            roles=(*OVERSIGHT, Role.STAFF),
            menu=(
                MenuItem("people:staff_list", _("Staff"), "groups", OVERSIGHT),
                MenuItem("people:staff_create", _("New staff member"), "person_add", (Role.HR_OFFICER,)),
                MenuItem("people:me", _("My profile"), "account_circle", (Role.STAFF,)),
            ),
            urlpatterns=people_urls.urlpatterns,
        ),
        HrflowApp(
            app_name="hiring",
            title=_("Open selection"),
            icon="how_to_reg",
            roles=OVERSIGHT,
            menu=(
                MenuItem("hiring:tasks", _("My tasks"), "inbox", OVERSIGHT),
                MenuItem("hiring:round_list", _("Selection rounds"), "campaign", OVERSIGHT),
                MenuItem("hiring:round_create", _("New selection round"), "add_circle", (Role.HR_OFFICER,)),
            ),
            urlpatterns=[
                path("tasks/", hiring_views.TaskListView.as_view(), name="tasks"),
                path("rounds/", hiring_views.RoundListView.as_view(), name="round_list"),
                path("rounds/new/", hiring_views.RoundCreateView.as_view(), name="round_create"),
                path("rounds/<int:pk>/", hiring_views.RoundDetailView.as_view(), name="round_detail"),
                path("rounds/<int:pk>/edit/", hiring_views.RoundEditView.as_view(), name="round_edit"),
                path("rounds/<int:pk>/act/<slug:action>/", hiring_views.RoundActionView.as_view(), name="round_action"),
                path("rounds/<int:pk>/import/", hiring_views.ApplicationImportView.as_view(), name="import"),
                path("rounds/<int:pk>/import/template.xlsx", hiring_views.ImportTemplateView.as_view(), name="import_template"),
                path("rounds/<int:pk>/scores/", hiring_views.ScoreSheetView.as_view(), name="scores"),
                path("rounds/<int:pk>/raters/", hiring_views.RaterAddView.as_view(), name="rater_add"),
                path("rounds/<int:pk>/recusals/", hiring_views.RecusalAddView.as_view(), name="recusal_add"),
                path("rounds/<int:pk>/review/", hiring_views.ReviewRecordView.as_view(), name="review"),
                path("rounds/<int:pk>/results/export/", hiring_views.ResultsExportView.as_view(), name="results_export"),
                path("rounds/<int:pk>/timeline/", hiring_views.RoundTimelineView.as_view(), name="timeline"),
                path("applications/<int:pk>/", hiring_views.ApplicationDetailView.as_view(), name="application_detail"),
                path("applications/<int:pk>/exclude/", hiring_views.ApplicationExcludeView.as_view(), name="application_exclude"),
                path("applications/<int:pk>/examination/", hiring_views.ExaminationRecordView.as_view(), name="examination"),
                path("applications/<int:pk>/hire/", hiring_views.HireView.as_view(), name="hire"),
                path("findings/<int:pk>/override/", hiring_views.FindingOverrideView.as_view(), name="finding_override"),
                path("objections/<int:pk>/resolve/", hiring_views.ObjectionResolveView.as_view(), name="objection_resolve"),
            ],
        ),
        HrflowApp(
            app_name="contracts",
            title=_("Contracts"),
            icon="description",
            # Staff reach their own contracts (the rule checks the person) from My profile.
            roles=(*OVERSIGHT, Role.STAFF),
            menu=(
                MenuItem("contracts:renewal_tasks", _("Renewals due"), "autorenew", (Role.HR_OFFICER, Role.SCHOOL_LEADER)),
                MenuItem("contracts:contract_list", _("Contracts"), "description", OVERSIGHT),
                MenuItem("people:me", _("My contracts"), "description", (Role.STAFF,)),
            ),
            urlpatterns=contracts_urls.urlpatterns,
        ),
        HrflowApp(
            app_name="appraisal",
            title=_("Appraisal"),
            icon="grading",
            roles=appraisal_urls.ROLES,
            menu=appraisal_urls.menu,
            urlpatterns=appraisal_urls.urlpatterns,
        ),
        HrflowApp(
            app_name="exits",
            title=_("Exits"),
            icon="logout",
            roles=exits_urls.ROLES,
            menu=exits_urls.menu,
            urlpatterns=exits_urls.urlpatterns,
        ),
        HrflowApp(
            app_name="training",
            title=_("Training and certificates"),
            icon="school",
            roles=OVERSIGHT,
            menu=training_urls.menu,
            urlpatterns=training_urls.urlpatterns,
        ),
        HrflowApp(
            app_name="rosters",
            title=_("Staff import"),
            icon="upload_file",
            roles=rosters_urls.ROLES,
            menu=rosters_urls.menu,
            urlpatterns=rosters_urls.urlpatterns,
        ),
        HrflowApp(
            app_name="audit",
            title=_("Audit"),
            icon="history",
            roles=(Role.AUDITOR,),
            menu=(MenuItem("audit:change_list", _("Change log"), "manage_search", (Role.AUDITOR,)),),
            urlpatterns=[
                path("changes/", audit_views.ChangeListView.as_view(), name="change_list"),
                path("changes/export/", audit_views.ChangeExportView.as_view(), name="change_export"),
            ],
        ),
        HrflowApp(
            app_name="exports",
            title=_("Exports"),
            icon="download",
            roles=OVERSIGHT,
            menu=(MenuItem("exports:job_list", _("My exports"), "download", OVERSIGHT),),
            urlpatterns=exports_urls.urlpatterns,
        ),
        HrflowApp(
            app_name="notifications",
            title=_("Notifications"),
            icon="notifications",
            roles=(*OVERSIGHT, Role.STAFF),
            menu=(MenuItem("notifications:notification_list", _("My notifications"), "notifications", (*OVERSIGHT, Role.STAFF)),),
            urlpatterns=notifications_urls.urlpatterns,
        ),
    ],
)

# Public pages of open selection: no login (LoginRequiredMiddleware is lifted view by view).
public_urls = [
    path("", public_views.PublicRoundListView.as_view(), name="round_list"),
    path("status/", public_views.StatusView.as_view(), name="status"),
    path("<int:pk>/", public_views.PublicRoundDetailView.as_view(), name="round_detail"),
    path("<int:pk>/apply/", public_views.ApplyView.as_view(), name="apply"),
    path("<int:pk>/applied/", public_views.AppliedView.as_view(), name="applied"),
    path("<int:pk>/publicity/", public_views.PublicityView.as_view(), name="publicity"),
]

urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The load bench's floor: a signed-in request that does nothing (tests/bench.py).
    path("ping/", PingView.as_view(), name="ping"),
    path("i18n/", include("hrflow.core.i18n_urls")),
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    # Browsers ask for /favicon.ico whatever the page links; answer instead of a 404 in the console.
    path("favicon.ico", login_not_required(RedirectView.as_view(url=settings.STATIC_URL + "hrflow/favicon.ico", permanent=True)), name="favicon"),
    path("jobs/", include((public_urls, "jobs"))),
    path("admin/", admin.site.urls),
    path("", site.urls),
]
