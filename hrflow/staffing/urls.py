"""The Schools area (URL names org:..., mounted under the viewflow site by hrflow/urls.py): org's
school search and the staffing pages."""

from django.urls import path

from hrflow.org import urls as org_urls

from . import views

urlpatterns = [
    path("schools/", views.SchoolListView.as_view(), name="school_list"),
    *org_urls.urlpatterns,
    path("schools/<int:pk>/", views.SchoolDetailView.as_view(), name="school_detail"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("compliance/export/", views.ComplianceExportView.as_view(), name="compliance_export"),
]
