"""The results of a round as xlsx: every applicant, outcome, scores, rank and cited findings."""

from django.utils.translation import gettext as _

from hrflow.core.xlsx import workbook_bytes
from hrflow.policy import mask_id_number

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def results_workbook(round, *, full_ids: bool) -> bytes:
    headers = [_("Post"), _("Name"), _("ID number"), _("Gender"), _("Education"), _("Written exam"), _("Interview"),
               _("Total"), _("Rank"), _("Outcome"), _("Findings (rule, clause)"), _("Reason of the decision")]
    rows = round.applications.select_related("post").prefetch_related("findings").order_by("post_id", "rank", "id")

    def build(writer):
        # Names, reasons and post titles are typed by applicants and officers: the writer keeps them text.
        sheet = writer.sheet(_("Results"))
        writer.header(sheet, headers)
        for line, a in enumerate(rows, start=1):
            findings = "; ".join(
                f"{f.rule} ({f.clause}{', ' + _('overridden') if f.override_reason else ''})" for f in a.findings.all()
            )
            writer.row(sheet, line, [
                a.post.title, a.name, a.id_number if full_ids else mask_id_number(a.id_number), a.get_gender_display(),
                a.get_education_display(), _num(a.exam_score), _num(a.interview_score), _num(a.total_score),
                a.rank or "", a.get_state_display(), findings, a.decision_reason,
            ])
        sheet.set_column(0, 11, 16)

    return workbook_bytes(build)


def _num(value):
    return float(value) if value is not None else ""
