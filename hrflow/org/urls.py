"""The Schools app's pages (mounted under the viewflow site by hrflow/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("schools/", views.SchoolListView.as_view(), name="school_list"),
    path("schools/search/", views.SchoolSearchView.as_view(), name="school_search"),
    path("schools/<int:pk>/", views.SchoolDetailView.as_view(), name="school_detail"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("compliance/export/", views.ComplianceExportView.as_view(), name="compliance_export"),
]
