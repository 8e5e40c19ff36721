"""Staff import pages (mounted by hrflow/urls.py under /rosters/)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from hrflow.org.menu import MenuItem
from hrflow.org.models import Role

from . import views

ROLES = (Role.HR_OFFICER, Role.BUREAU_OFFICER)
menu = (MenuItem("rosters:start", _("Import staff"), "upload_file", ROLES),)

urlpatterns = [
    path("import/", views.ImportStartView.as_view(), name="start"),
    path("template/<int:unit>.xlsx", views.TemplateDownloadView.as_view(), name="template"),
    path("export/<int:unit>/", views.RosterExportView.as_view(), name="export"),
    path("<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("<int:pk>/<slug:action>/", views.ImportActionView.as_view(), name="import_action"),
]
