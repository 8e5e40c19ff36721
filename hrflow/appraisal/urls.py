"""Appraisal pages (mounted by hrflow/urls.py under /appraisal/)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from hrflow.org.menu import OVERSIGHT, MenuItem
from hrflow.org.models import Role

from . import views

ROLES = (*OVERSIGHT, Role.STAFF)
menu = (
    MenuItem("appraisal:mine", _("My appraisal"), "how_to_vote", (Role.STAFF,)),
    MenuItem("appraisal:tasks", _("My appraisal tasks"), "inbox", (Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER)),
    MenuItem("appraisal:cycle_list", _("Appraisal cycles"), "grading", OVERSIGHT),
    MenuItem("appraisal:cycle_create", _("New appraisal cycle"), "add_circle", (Role.HR_OFFICER, Role.BUREAU_OFFICER)),
    MenuItem("appraisal:incident_list", _("Safety incidents"), "report", OVERSIGHT),
)

urlpatterns = [
    path("mine/", views.MyAppraisalView.as_view(), name="mine"),
    path("tasks/", views.TaskListView.as_view(), name="tasks"),
    path("cycles/", views.CycleListView.as_view(), name="cycle_list"),
    path("cycles/new/", views.CycleCreateView.as_view(), name="cycle_create"),
    path("cycles/<int:pk>/edit/", views.CycleEditView.as_view(), name="cycle_edit"),
    path("cycles/<int:pk>/", views.CycleDetailView.as_view(), name="cycle_detail"),
    path("cycles/<int:pk>/act/<slug:action>/", views.CycleActionView.as_view(), name="cycle_action"),
    path("schools/<int:pk>/", views.SchoolCycleView.as_view(), name="school_cycle"),
    path("schools/<int:pk>/act/<slug:action>/", views.SchoolCycleActionView.as_view(), name="school_cycle_action"),
    path("schools/<int:pk>/leader-scores/", views.LeaderScoreView.as_view(), name="leader_scores"),
    path("appraisals/<int:pk>/", views.AppraisalDetailView.as_view(), name="appraisal_detail"),
    path("appraisals/<int:pk>/act/<slug:action>/", views.AppraisalActionView.as_view(), name="appraisal_action"),
    path("appraisals/<int:pk>/self/", views.SelfEvaluationView.as_view(), name="self_evaluate"),
    path("ratings/<int:pk>/", views.RateView.as_view(), name="rate"),
    path("ratings/<int:pk>/excuse/", views.ExcuseView.as_view(), name="excuse"),
    path("committee/<int:school>/", views.CommitteeView.as_view(), name="committee"),
    path("appraisals/<int:pk>/appeal/", views.AppealView.as_view(), name="appeal"),
    path("cycles/<int:pk>/report/", views.CycleReportView.as_view(), name="cycle_report"),
    path("incidents/", views.IncidentListView.as_view(), name="incident_list"),
    path("incidents/new/", views.IncidentCreateView.as_view(), name="incident_create"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="incident_detail"),
    path("incidents/<int:pk>/act/<slug:action>/", views.IncidentActionView.as_view(), name="incident_action"),
    path("statements/<int:pk>/", views.StatementView.as_view(), name="statement"),
    path("pay-table/<int:school>/", views.PayTableView.as_view(), name="pay_table"),
    path("schools/<int:pk>/pay/", views.PayRunView.as_view(), name="pay_run"),
    path("appraisals/<int:pk>/raters/", views.RevealView.as_view(), name="reveal"),
]
