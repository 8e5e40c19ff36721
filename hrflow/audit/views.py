from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.xlsx import Writer
from hrflow.org.models import Role
from hrflow.org.selectors import schools_visible_to

from .forms import AuditFilterForm
from .selectors import EXPORT_LIMIT, AuditFilter, change_rows

PAGE_SIZE = 50
MAX_PAGE = 100_000


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
            school = schools.filter(pk=data["school"]).first() if data["school"] else None
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
        try:
            page = max(1, int(self.request.GET.get("page", "1")))
        except ValueError:
            page = 1
        page = min(page, MAX_PAGE)  # a huge page number overflows the database's integer offset
        if flt is None:
            rows, has_more = [], False
        else:
            rows, has_more = change_rows(user=self.request.user, flt=flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=form, rows=rows, page=page, has_more=has_more, query=query.urlencode(), filter_invalid=flt is None, **kwargs
        )


class ChangeExportView(_FilteredMixin, generic.View):
    """The filtered change log as xlsx, one line per field change."""

    def get(self, request, *args, **kwargs):
        form, flt = self.get_filter()
        if flt is None:
            # Nothing is exported under a filter that did not parse: the page says what to correct.
            query = request.GET.copy()
            query.pop("page", None)
            context = {"form": form, "rows": [], "page": 1, "has_more": False, "query": query.urlencode(), "filter_invalid": True}
            return render(request, "audit/change_list.html", context, status=400)
        rows, _more = change_rows(user=request.user, flt=flt, offset=0, limit=EXPORT_LIMIT)
        response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="hrflow-audit-{stamp}.xlsx"'
        # constant_memory writes row by row: the export stays small in memory at 100k lines.
        # Every value was typed by someone (names, reasons, old and new values): hrflow.core.xlsx
        # keeps it text, never a formula.
        writer = Writer(response, constant_memory=True)
        sheet = writer.sheet(_("Changes"))
        headers = [_("When"), _("User"), _("Record type"), _("Record"), _("Action"), _("Field"), _("Old value"), _("New value"), _("Reason")]
        writer.header(sheet, headers)
        line = 1
        for row in rows:
            when = timezone.localtime(row.when).replace(tzinfo=None)
            for change in row.changes or [None]:
                writer.row(sheet, line, [
                    when, row.user, row.model_label, row.object_repr, row.action_label,
                    change.field if change else "", change.old if change else "", change.new if change else "", row.reason,
                ])
                line += 1
        sheet.set_column(0, 0, 19)
        sheet.set_column(1, 8, 18)
        writer.close()
        return response


