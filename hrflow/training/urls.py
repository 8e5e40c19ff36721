"""Training plans, courses, attendance and certificates (mounted by hrflow/urls.py under /training/)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from hrflow.org.menu import MenuItem
from hrflow.org.models import Role

from . import views

OVERSIGHT = (Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR)

# `menu`: MenuItem entries for the area's menu (hrflow/urls.py builds the area from it).
menu = (
    MenuItem("training:plan_list", _("Training plans"), "event_note", OVERSIGHT),
    MenuItem("training:plan_create", _("New training plan"), "add_circle", (Role.HR_OFFICER, Role.BUREAU_OFFICER)),
    MenuItem("training:certificate_list", _("Certificates due"), "verified", OVERSIGHT),
    MenuItem("training:certificate_import", _("Import certificates"), "upload_file", (Role.HR_OFFICER,)),
)

urlpatterns = [
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", views.PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/courses/new/", views.CourseCreateView.as_view(), name="plan_course_create"),
    path("courses/<int:pk>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("courses/<int:pk>/edit/", views.CourseEditView.as_view(), name="course_edit"),
    path("courses/<int:pk>/attendance/new/", views.AttendanceAddView.as_view(), name="course_attendance_add"),
    path("courses/<int:pk>/attendance/import/", views.AttendanceImportView.as_view(), name="course_attendance_import"),
    path("courses/<int:pk>/attendance/template.xlsx", views.AttendanceTemplateView.as_view(), name="course_attendance_template"),
    path("certificates/", views.CertificateListView.as_view(), name="certificate_list"),
    path("certificates/import/", views.CertificateImportView.as_view(), name="certificate_import"),
    path("certificates/import/template.xlsx", views.CertificateTemplateView.as_view(), name="certificate_template"),
    path("certificates/<int:pk>/edit/", views.CertificateEditView.as_view(), name="certificate_edit"),
    path("staff/<int:pk>/certificates/new/", views.CertificateAddView.as_view(), name="staff_certificate_add"),
    path("staff/<int:pk>/requirements/new/", views.RequirementAddView.as_view(), name="staff_requirement_add"),
    path("requirements/<int:pk>/remove/", views.RequirementRemoveView.as_view(), name="requirement_remove"),
]
