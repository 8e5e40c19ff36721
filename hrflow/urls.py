from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from hrflow.audit import views as audit_views
from hrflow.core.views import LoginView
from hrflow.core.site import OVERSIGHT, HrflowApp, HrflowSite, MenuItem
from hrflow.org import views as org_views
from hrflow.org.models import Role
from hrflow.people import views as people_views

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
            urlpatterns=[
                path("schools/", org_views.SchoolListView.as_view(), name="school_list"),
                path("schools/<int:pk>/", org_views.SchoolDetailView.as_view(), name="school_detail"),
                path("compliance/", org_views.ComplianceView.as_view(), name="compliance"),
            ],
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
            urlpatterns=[
                path("staff/", people_views.StaffListView.as_view(), name="staff_list"),
                path("staff/new/", people_views.StaffCreateView.as_view(), name="staff_create"),
                path("staff/<int:pk>/", people_views.StaffDetailView.as_view(), name="staff_detail"),
                path("staff/<int:pk>/edit/", people_views.StaffEditView.as_view(), name="staff_edit"),
                path("staff/<int:pk>/<slug:transition>/", people_views.StaffTransitionView.as_view(), name="staff_transition"),
                path("me/", people_views.MyProfileView.as_view(), name="me"),
            ],
        ),
        HrflowApp(
            app_name="audit",
            title=_("Audit"),
            icon="history",
            roles=(Role.AUDITOR,),
            menu=(MenuItem("audit:change_list", _("Change log"), "manage_search", (Role.AUDITOR,)),),
            urlpatterns=[
                path("changes/", audit_views.ChangeListView.as_view(), name="change_list"),
                path("changes/export.xlsx", audit_views.ChangeExportView.as_view(), name="change_export"),
            ],
        ),
    ],
)

urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("hrflow.core.i18n_urls")),
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("", site.urls),
]
