"""The change log as an export job: every change the filter selects, one line per field change."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from hrflow.exports.registry import ExportKind, register
from hrflow.org.models import OrgUnit
from hrflow.org.predicates import is_auditor

from hrflow.core.audited import audited_models
from .selectors import AuditFilter, audit_paths, iter_changes


class ChangeLogExport(ExportKind):
    key = "audit_changes"
    title = gettext_lazy("Change log")

    def allowed(self, user):
        return is_auditor(user)

    def clean(self, user, params):
        flt = params.get("filter")
        if not isinstance(flt, dict):
            raise ValidationError(_("The filter could not be read."))
        if flt.get("school_path") and not audit_paths(user, flt["school_path"]):
            raise ValidationError(_("The filter could not be read."))
        return params

    def describe(self, params):
        flt = AuditFilter.from_params(params["filter"])
        parts = [str(self.title)]
        if flt.school_path:
            parts += OrgUnit.objects.filter(path=flt.school_path).values_list("name", flat=True)[:1]
        entry = audited_models().get(flt.model_key or "")
        if entry is not None:
            parts.append(str(entry.label))
        if flt.username:
            parts.append(_("by %(user)s") % {"user": flt.username})
        if flt.date_from or flt.date_to:
            from hrflow.core.templatetags.hrflow import human_date

            parts.append(f"{human_date(flt.date_from) if flt.date_from else '…'} – {human_date(flt.date_to) if flt.date_to else '…'}")
        return " · ".join(parts)

    def sheets(self, user, params):
        flt = AuditFilter.from_params(params["filter"])
        # Column headers carry their own context: they are not the filter's labels.
        headers = [
            pgettext("export column", "When"), pgettext("export column", "User"), pgettext("export column", "Record type"),
            pgettext("export column", "Record"), pgettext("export column", "Action"), pgettext("export column", "Field"),
            pgettext("export column", "Old value"), pgettext("export column", "New value"), pgettext("export column", "Reason"),
        ]
        yield _("Changes"), headers, self._lines(user, flt)

    def _lines(self, user, flt):
        # Every value was typed by someone: hrflow.core.xlsx keeps it text, never a formula.
        for row in iter_changes(user=user, flt=flt):
            when = timezone.localtime(row.when).replace(tzinfo=None) if isinstance(row.when, datetime) else row.when
            for change in row.changes or [None]:
                yield [
                    when, row.user, row.model_label, row.object_repr, row.action_label,
                    change.field if change else "", change.old if change else "", change.new if change else "", row.reason,
                ]


register(ChangeLogExport())
