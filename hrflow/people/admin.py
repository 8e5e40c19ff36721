from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import SENSITIVE_FIELDS, Person, Staff


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    # The ID number and birth date stay with HR of the person's school, even for administrators;
    # the attestations live on employments and are not in the admin at all.
    list_display = ["name", "masked_id_number", "sex", "education"]
    search_fields = ["name"]
    exclude = SENSITIVE_FIELDS
    readonly_fields = ["masked_id_number", "sex"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return False


@admin.register(Staff)
class StaffAdmin(SimpleHistoryAdmin):
    # The status changes only through its transitions (services), never by form.
    list_display = ["person", "school", "post_category", "employment_type", "status"]
    list_filter = ["post_category", "employment_type", "status"]
    readonly_fields = ["status"]
    raw_id_fields = ["person", "school", "dormitory"]
