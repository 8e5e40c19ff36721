"""The shell's template context: the user's grants, the unread notifications, the site title."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from hrflow.notifications.services import unread_count
from hrflow.org import scope


def hrflow(request):
    user = getattr(request, "user", None)
    grants = scope.grants(user) if user is not None else ()
    return {
        # A lazy count: one query, and only on pages that show the badge.
        "hrflow_unread": SimpleLazyObject(lambda: unread_count(user)) if user is not None else 0,
        "hrflow_grants": grants,
        "hrflow_site_title": settings.HRFLOW["SITE_TITLE"],
    }
