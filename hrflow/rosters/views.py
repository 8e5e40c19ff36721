"""Staff import pages: upload with the templates, the preview of one import, its actions, and the
roster export. Every page checks the role and the unit (hrflow/rosters/rules.py)."""

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import generic

from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.paging import keyset_page
from hrflow.core.xlsx import XLSX_CONTENT_TYPE
from hrflow.exports.services import start_export_response
from hrflow.org.models import OrgUnit

from . import services
from .columns import DISPATCH, KIND_VALUES, MAX_ROWS, label_of
from .forms import RowFilterForm, UploadForm
from .models import RosterImport, RosterRow
from .plan import load_readings
from .template import template_workbook

RECENT = 20


class ImportStartView(ScopedPermissionMixin, generic.TemplateView):
    """Upload a roster for one of the user's schools or areas; the templates and exports beside it."""

    permission_required = "rosters.import_roster"
    template_name = "rosters/start.html"

    def get_permission_object(self):
        return None

    def units(self):
        return services.import_units(self.request.user)

    def get(self, request, *args, **kwargs):
        units = self.units()
        wanted = request.GET.get("unit")
        initial = {"unit": next((u.pk for u in units if str(u.pk) == wanted), None)}
        return self.render(UploadForm(units=units, initial=initial), units)

    def post(self, request, *args, **kwargs):
        units = self.units()
        form = UploadForm(request.POST, request.FILES, units=units)
        if form.is_valid():
            try:
                batch = services.roster_upload(user=request.user, unit=form.cleaned_data["unit"], upload=form.cleaned_data["file"])
            except services.RosterError as error:
                form.add_error("file", str(error))
            else:
                return redirect(batch.get_absolute_url())
        return self.render(form, units, status=400)

    def render(self, form, units, status=200):
        recent = RosterImport.objects.filter(owner=self.request.user).select_related("unit").order_by("-pk")[:RECENT]
        return self.render_to_response(self.get_context_data(
            form=form, units=units, recent=recent, max_rows=MAX_ROWS, upload_limit=f"{services.max_bytes() / 2**20:.1f} MiB"), status=status)


class _UnitMixin:
    def get_permission_object(self):
        if not hasattr(self, "_unit"):
            self._unit = get_object_or_404(OrgUnit, pk=self.kwargs["unit"])
        return self._unit


class TemplateDownloadView(_UnitMixin, ScopedPermissionMixin, generic.View):
    permission_required = "rosters.import_roster"

    def get(self, request, *args, **kwargs):
        unit = self.get_permission_object()
        response = HttpResponse(template_workbook(unit), content_type=XLSX_CONTENT_TYPE)
        kind = "bureau" if unit.kind != OrgUnit.Kind.SCHOOL else "school"
        response["Content-Disposition"] = f'attachment; filename="hrflow-roster-{kind}-{unit.code}.xlsx"'
        return response


class RosterExportView(_UnitMixin, ScopedPermissionMixin, generic.View):
    """The unit's current staff and contracts in the template, as an export job."""

    permission_required = "rosters.import_roster"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        unit = self.get_permission_object()
        return start_export_response(request, kind="staff_roster", params={"unit": unit.pk}, back="rosters:start")


class _BatchMixin:
    def get_permission_object(self):
        if not hasattr(self, "_batch"):
            self._batch = get_object_or_404(RosterImport.objects.select_related("unit", "owner"), pk=self.kwargs["pk"])
        return self._batch


class ImportDetailView(_BatchMixin, ScopedPermissionMixin, generic.TemplateView):
    """The preview: counts, the file's problems, and the rows of one sheet, filtered and paged."""

    permission_required = "rosters.view_import"
    template_name = "rosters/detail.html"
    page_size = 50

    def get(self, request, *args, **kwargs):
        if request.GET.get("progress"):
            batch = self.get_permission_object()
            done = services.rows_done(batch)
            return JsonResponse({"state": batch.state, "done": done, "total": batch.rows_total, "percent": _percent(done, batch),
                                 "running": batch.state in RosterImport.RUNNING and not batch.lost})
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        batch = self.get_permission_object()
        form = RowFilterForm(self.request.GET)
        filters = form.filters()
        rows = RosterRow.objects.filter(batch=batch, sheet=filters["sheet"]).select_related("school__unit")
        if filters["action"]:
            rows = rows.filter(action=filters["action"])
        done = services.rows_done(batch)
        page = None
        if batch.state in (RosterImport.State.PREVIEWED, RosterImport.State.COMMITTED, RosterImport.State.COMMITTING):
            page = keyset_page(rows, order=("pk",), cursor=self.request.GET.get("cursor"), size=self.page_size)
            for row in page.rows:
                row.terms = terms_text(row) if row.sheet == RosterRow.Sheet.CONTRACT else ""
        counts = [
            (sheet, label, [(action, action_label, batch.counts.get(f"{sheet}:{action}", 0)) for action, action_label in RosterRow.Action.choices
                            if batch.counts.get(f"{sheet}:{action}")])
            for sheet, label in RosterRow.Sheet.choices
        ]
        return super().get_context_data(
            batch=batch, form=form, filters=filters, page=page, counts=counts, running=batch.state in RosterImport.RUNNING and not batch.lost,
            summary=services.summary(batch), done=done, percent=_percent(done, batch), **kwargs)


class ImportActionView(_BatchMixin, ScopedPermissionMixin, generic.View):
    permission_required = "rosters.view_import"
    http_method_names = ["post"]
    ACTIONS = ("commit", "discard", "rerun")

    def post(self, request, *args, **kwargs):
        action = kwargs["action"]
        if action not in self.ACTIONS:
            raise Http404
        batch = self.get_permission_object()
        try:
            if action == "commit":
                services.roster_commit_request(batch=batch, user=request.user)
            elif action == "discard":
                services.roster_discard(batch=batch, user=request.user)
                messages.success(request, _("The import was discarded; nothing was written."))
                return redirect("rosters:start")
            else:
                services.roster_rerun(batch=batch, user=request.user)
        except services.RosterError as error:
            messages.error(request, str(error))
        return redirect(batch.get_absolute_url())


def _percent(done: int, batch: RosterImport) -> int | None:
    return min(99, done * 100 // batch.rows_total) if batch.rows_total else None


def terms_text(row: RosterRow) -> str:
    """What a contract row says, in words: the officer sees what would be written."""
    if not row.readings:
        return ""
    data = load_readings(row.sheet, row.row, row.school_id, row.name, row.id_number, row.readings, {}).data
    kind = label_of(KIND_VALUES).get(data["kind"])
    if kind is None or data["starts_on"] is None:
        return ""
    period = _("%(start)s to %(end)s") % {"start": data["starts_on"].isoformat(),
                                          "end": data["ends_on"].isoformat() if data["ends_on"] else _("no fixed end")}
    if data["kind"] == DISPATCH:
        return _("%(kind)s with %(agency)s, %(period)s") % {"kind": kind, "agency": data["agency"] or "—", "period": period}
    return _("%(kind)s, %(period)s, probation %(months)s months, %(pay)s yuan a month") % {
        "kind": kind, "period": period, "months": data["probation_months"] or 0, "pay": data["agreed_pay"] if data["agreed_pay"] is not None else "—"}
