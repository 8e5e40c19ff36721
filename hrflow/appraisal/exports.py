"""The pay run's export: one line per person, names and money; never a peer rating."""

from decimal import Decimal

import rules
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from hrflow.core.history import user_label
from hrflow.core.params import object_id
from hrflow.exports.registry import ExportKind, register

from .models import Appraisal, PayLine, PayRun

MONEY = "#,##0.00"


class PayRunExport(ExportKind):
    key = "appraisal_pay_run"
    title = gettext_lazy("Performance pay")

    def allowed(self, user) -> bool:
        return rules.has_perm("appraisal.view_pay", user, None)

    def clean(self, user, params):
        run = PayRun.objects.select_related("school__unit").filter(pk=object_id(str(params.get("run", "")))).first()
        if run is None or not rules.has_perm("appraisal.view_pay", user, run):
            raise ValidationError(_("This pay run is not yours to export."))
        return {"run": run.pk}

    def estimate(self, user, params):
        return PayLine.objects.filter(run_id=params["run"]).count() + 2  # the headings and the totals

    def describe(self, params):
        run = PayRun.objects.select_related("school__unit", "cycle").filter(pk=params.get("run")).first()
        return str(run) if run else str(self.title)

    def setup_sheet(self, writer, sheet, title, params):
        """Row 0 the title (school, cycle, the run's state), row 1 the headings, then a line per
        person and the totals; money as #,##0.00. Rows go in order: the workbook is written row by row."""
        run = PayRun.objects.select_related("school__unit", "cycle", "approved_by").get(pk=params["run"])
        lines = PayLine.objects.filter(run=run).count()
        money = writer.format({"num_format": MONEY})
        for first, last, width, cell_format in ((0, 0, 12, None), (1, 2, 12, None), (3, 4, 16, money), (5, 6, 10, None),
                                                (7, 8, 16, money), (9, 9, 40, None)):
            sheet.set_column(first, last, width, cell_format)
        sheet.set_row(1, None, writer.bold)
        sheet.set_row(2 + lines, None, writer.format({"bold": True, "num_format": MONEY, "top": 1}))
        heading = f"{run} · {run.get_state_display()}"
        if run.approved_by_id:
            heading += " · " + _("approved by %(who)s") % {"who": user_label(run.approved_by)}
        sheet.write_string(0, 0, heading, writer.format({"bold": True, "font_size": 14}))

    def sheets(self, user, params):
        run = PayRun.objects.get(pk=params["run"])
        rows = (PayLine.objects.filter(run=run).order_by("pk")
                .values_list("appraisal__staff__person__name", "appraisal__staff__post_category", "grade", "base_monthly", "base_amount",
                             "coefficient", "work_units", "reward_amount", "note", "appraisal__scoring").iterator(chunk_size=2000))
        grades = dict(PayLine._meta.get_field("grade").choices)
        from hrflow.people.models import PostCategoryChoices

        posts = dict(PostCategoryChoices.choices)
        headings = [_("Name"), _("Post category"), _("Grade"), _("Monthly base part (yuan)"), _("Base part (yuan)"),
                    _("Grade coefficient"), _("Work done"), _("Reward part (yuan)"), _("Total (yuan)"), pgettext("pay line", "Note")]

        def lines():
            yield [str(h) for h in headings]  # under the title setup_sheet writes
            base_total = reward_total = Decimal(0)
            not_graded = str(Appraisal.Scoring.NOT_GRADED.label)
            for name, post, grade, monthly, base, coefficient, units, reward, note, scoring in rows:
                base_total += base
                reward_total += reward
                shown = str(grades.get(grade, "")) if grade else (not_graded if scoring == Appraisal.Scoring.NOT_GRADED else "")
                yield [name, str(posts.get(post, post)), shown, monthly, base, coefficient, units, reward, base + reward, note]
            # The reward total is the pool, to the fen (the split sums to it exactly).
            yield [_("Totals"), "", "", "", base_total, "", "", reward_total, base_total + reward_total, ""]

        yield _("Performance pay"), [], lines()


register(PayRunExport())
