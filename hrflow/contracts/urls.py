"""Contracts' pages (mounted under /contracts/ by hrflow/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("list/", views.ContractListView.as_view(), name="contract_list"),  # "" is the area's index
    path("renewals/", views.RenewalTaskListView.as_view(), name="renewal_tasks"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="contract_detail"),
    path("<int:pk>/sign/", views.ContractSignView.as_view(), name="contract_sign"),
    path("<int:pk>/act/<slug:action>/", views.ContractActionView.as_view(), name="contract_action"),
    path("new/<int:staff_pk>/", views.ContractDraftView.as_view(), name="contract_create"),
    path("dispatch/<int:staff_pk>/new/", views.DispatchEditView.as_view(), name="dispatch_create"),
    path("dispatch/<int:staff_pk>/<int:pk>/", views.DispatchEditView.as_view(), name="dispatch_edit"),
]
