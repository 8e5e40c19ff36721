"""Exit pages (mounted by hrflow/urls.py under /exits/)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from hrflow.org.menu import OVERSIGHT, MenuItem
from hrflow.org.models import Role

from . import views

ROLES = (*OVERSIGHT, Role.STAFF)
menu = (
    MenuItem("exits:case_list", _("Exit cases"), "logout", OVERSIGHT),
    MenuItem("exits:mine", _("My exit case"), "logout", (Role.STAFF,)),
)

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/act/<slug:action>/", views.CaseActionView.as_view(), name="case_action"),
    path("handover/<int:pk>/", views.HandoverConfirmView.as_view(), name="handover_confirm"),
    path("open/<int:staff_pk>/", views.CaseOpenView.as_view(), name="case_open"),
    path("mine/", views.MyCasesView.as_view(), name="mine"),
    path("protections/<int:staff_pk>/new/", views.ProtectionEditView.as_view(), name="protection_create"),
    path("protections/<int:staff_pk>/<int:pk>/", views.ProtectionEditView.as_view(), name="protection_edit"),
]
