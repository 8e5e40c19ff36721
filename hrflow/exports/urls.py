"""My exports (mounted under the viewflow site by hrflow/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("mine/", views.JobListView.as_view(), name="job_list"),
    path("<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("<int:pk>/download/", views.DownloadView.as_view(), name="download"),
]
