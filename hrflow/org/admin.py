from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Dormitory, OrgUnit, RoleAssignment, School


@admin.register(OrgUnit)
class OrgUnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "code", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    readonly_fields = ["path"]
    raw_id_fields = ["parent"]


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "level", "diners"]
    list_filter = ["level"]
    search_fields = ["unit__name", "unit__code"]
    raw_id_fields = ["unit"]


@admin.register(Dormitory)
class DormitoryAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "residents_gender", "boarders"]
    raw_id_fields = ["school"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__name"]
    raw_id_fields = ["user", "unit"]
