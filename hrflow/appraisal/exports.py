"""The pay run's export: one line per person, names and money; never a peer rating."""

import rules
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hrflow.core.params import object_id
from hrflow.exports.registry import ExportKind, register

from .models import PayLine, PayRun


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
        return PayLine.objects.filter(run_id=params["run"]).count()

    def describe(self, params):
        run = PayRun.objects.select_related("school__unit", "cycle").filter(pk=params.get("run")).first()
        return str(run) if run else str(self.title)

    def sheets(self, user, params):
        run = PayRun.objects.get(pk=params["run"])
        rows = (PayLine.objects.filter(run=run).order_by("pk")
                .values_list("appraisal__staff__person__name", "appraisal__staff__post_category", "grade", "base_monthly", "base_amount",
                             "coefficient", "work_units", "reward_amount", "note").iterator(chunk_size=2000))
        grades = dict(PayLine._meta.get_field("grade").choices)
        from hrflow.people.models import PostCategoryChoices

        posts = dict(PostCategoryChoices.choices)

        def lines():
            for name, post, grade, monthly, base, coefficient, units, reward, note in rows:
                yield [name, str(posts.get(post, post)), str(grades.get(grade, "")), monthly, base, coefficient, units, reward, base + reward, note]

        yield (_("Performance pay"), [_("Name"), _("Post category"), _("Grade"), _("Monthly base part (yuan)"), _("Base part (yuan)"),
                                      _("Grade coefficient"), _("Work done"), _("Reward part (yuan)"), _("Total (yuan)"), _("Note")], lines())


register(PayRunExport())
