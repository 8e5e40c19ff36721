from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    """The working-day calendar for years chinese-calendar does not know yet (or corrections).

    Enter each holiday (not working) and each make-up working day of such a year; the other
    days of a year with any entry follow the Monday–Friday week.
    """

    list_display = ["day", "is_working", "note"]
    list_filter = ["is_working"]
    date_hierarchy = "day"
