"""The results of a round as an export job: every applicant, outcome, scores, rank and cited findings.

A round may hold tens of thousands of applications, so the file is written off the request
(hrflow/exports) and read in chunks, not built whole in memory.
"""

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from hrflow.core.params import object_id
from hrflow.exports.registry import ExportKind, register
from hrflow.org import scope
from hrflow.policy import mask_id_number

from . import selectors
from .models import SelectionRound


class RoundResultsExport(ExportKind):
    key = "hiring_results"
    title = gettext_lazy("Results of a selection round")

    def allowed(self, user):
        return scope.has_role(user, *selectors.OVERSIGHT_ROLES)

    def _round(self, user, params):
        round = SelectionRound.objects.select_related("school__unit").filter(pk=object_id(str(params.get("round", "")))).first()
        if round is None or not rules.has_perm("hiring.view_round", user, round):
            raise PermissionDenied
        return round

    def clean(self, user, params):
        return {"round": self._round(user, params).pk}

    def describe(self, params):
        round = SelectionRound.objects.filter(pk=params["round"]).values_list("title", flat=True).first() or ""
        return f"{self.title} · {round}"

    def estimate(self, user, params):
        return SelectionRound.objects.get(pk=params["round"]).applications.count()

    def sheets(self, user, params):
        round = self._round(user, params)  # asked again: the requester's scope may have changed meanwhile
        full_ids = selectors.can_see_applicant_sensitive(user, round)
        headers = [
            pgettext("export column", "Post"), pgettext("export column", "Name"), pgettext("export column", "ID number"),
            pgettext("export column", "Gender"), pgettext("export column", "Education"), pgettext("export column", "Written exam"),
            pgettext("export column", "Interview"), pgettext("export column", "Total"), pgettext("export column", "Rank"),
            pgettext("export column", "Outcome"), pgettext("export column", "Findings (rule, clause)"),
            pgettext("export column", "Reason of the decision"),
        ]
        yield _("Results"), headers, self._rows(round, full_ids)

    def _rows(self, round, full_ids):
        applications = round.applications.select_related("post").prefetch_related("findings").order_by("post_id", "rank", "id")
        overridden = _("overridden")
        # Names, reasons and post titles are typed by applicants and officers: the writer keeps them text.
        for a in applications.iterator(chunk_size=2000):
            findings = "; ".join(f"{f.rule} ({f.clause}{', ' + overridden if f.override_reason else ''})" for f in a.findings.all())
            yield [
                a.post.title, a.name, a.id_number if full_ids else mask_id_number(a.id_number), a.get_gender_display(),
                a.get_education_display(), _num(a.exam_score), _num(a.interview_score), _num(a.total_score),
                a.rank or "", a.get_state_display(), findings, a.decision_reason,
            ]


def _num(value):
    return float(value) if value is not None else ""


register(RoundResultsExport())
