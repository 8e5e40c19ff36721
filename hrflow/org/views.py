"""Org's own endpoint: the school chooser's search (hrflow/org/choosers.py). The Schools area's
pages read staff, so they live in hrflow.staffing."""

from django.http import JsonResponse
from django.views import generic

from hrflow.core.mixins import ScopedPermissionMixin

from . import selectors


class SchoolSearchView(ScopedPermissionMixin, generic.View):
    """The school chooser's options as JSON: {"results": [{"id": 1, "label": "成都市第七中学（锦江区）"}]}."""

    permission_required = "org.view_school"
    http_method_names = ["get"]

    def get_permission_object(self):
        return None

    def get(self, request, *args, **kwargs):
        results = selectors.school_choices(request.user, request.GET.get("q") or "")
        return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})
