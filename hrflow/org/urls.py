"""Org's endpoint in the Schools area: the chooser's search. hrflow/staffing/urls.py adds the
area's pages and hrflow/urls.py mounts them under the viewflow site."""

from django.urls import path

from . import views

urlpatterns = [
    path("schools/search/", views.SchoolSearchView.as_view(), name="school_search"),
]
