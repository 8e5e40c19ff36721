"""The People app's pages (mounted under the viewflow site by hrflow/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("staff/", views.StaffListView.as_view(), name="staff_list"),
    path("staff/new/", views.StaffCreateView.as_view(), name="staff_create"),
    path("staff/<int:pk>/", views.StaffDetailView.as_view(), name="staff_detail"),
    path("staff/<int:pk>/edit/", views.StaffEditView.as_view(), name="staff_edit"),
    path("staff/<int:pk>/<slug:transition>/", views.StaffTransitionView.as_view(), name="staff_transition"),
    path("me/", views.MyProfileView.as_view(), name="me"),
]
