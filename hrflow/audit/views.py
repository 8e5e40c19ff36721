from django.shortcuts import render
from django.urls import reverse
from django.views import generic

from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.exports.services import start_export_response
from hrflow.org.models import Role
from hrflow.org.selectors import schools_visible_to

from .forms import AuditFilterForm
from .selectors import AuditFilter, change_page

PAGE_SIZE = 50


class _FilteredMixin(ScopedPermissionMixin):
    permission_required = "audit.view_history"

    def get_permission_object(self):
        return None

    def get_filter(self):
        """The form and its filter; the filter is None when the form has errors: an unreadable value
        must not be dropped, or the page (and the export) would show every change in scope."""
        schools = schools_visible_to(self.request.user, {Role.AUDITOR})
        query = self.request.GET.copy()
        query.pop("page", None)  # the pager's, not a filter: an unfiltered page 2 is still unfiltered
        form = AuditFilterForm(query or None, schools=schools)
        flt = AuditFilter()
        if form.is_bound and not form.is_valid():
            return form, None
        if form.is_bound:
            data = form.cleaned_data
            school = data["school"]
            flt = AuditFilter(
                school_path=school.unit.path if school else None,
                username=data["user"] or None,
                model_key=data["model"] or None,
                date_from=data["date_from"],
                date_to=data["date_to"],
            )
        return form, flt


class ChangeListView(_FilteredMixin, generic.TemplateView):
    template_name = "audit/change_list.html"

    def get_context_data(self, **kwargs):
        form, flt = self.get_filter()
        page = None
        if flt is not None:
            page = change_page(user=self.request.user, flt=flt, cursor=self.request.GET.get("cursor"), limit=PAGE_SIZE)
        return super().get_context_data(form=form, page=page, query=_filter_query(self.request), filter_invalid=flt is None, **kwargs)


def _filter_query(request):
    query = request.GET.copy()
    for key in ("cursor", "page"):
        query.pop(key, None)
    return query


class ChangeExportView(_FilteredMixin, generic.View):
    """Starts the export of the filtered change log as a job (it can hold millions of lines)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        # The filter travels in the form's hidden fields, exactly as the page was filtered.
        request.GET = request.POST.copy()
        request.GET.pop("csrfmiddlewaretoken", None)
        form, flt = self.get_filter()
        if flt is None:
            # Nothing is exported under a filter that did not parse: the page says what to correct.
            context = {"form": form, "page": None, "query": _filter_query(request), "filter_invalid": True}
            return render(request, "audit/change_list.html", context, status=400)
        back = reverse("audit:change_list") + "?" + _filter_query(request).urlencode()
        return start_export_response(request, kind="audit_changes", params={"filter": flt.as_params()}, back=back)
