from django.conf import settings

from hrflow.org import scope


def hrflow(request):
    user = getattr(request, "user", None)
    grants = scope.grants(user) if user is not None else ()
    return {
        "hrflow_grants": grants,
        "hrflow_site_title": settings.HRFLOW["SITE_TITLE"],
    }
