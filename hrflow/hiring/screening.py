"""Screening a closed round: every application through the policy engine in one bulk pass.

Reads the applications with one query into pandas, runs hrflow.policy.screen_frame on the
round's reference date, and writes the findings and the new states in bulk, each written row
with its history row (hrflow.core.bulk).
"""

import pandas as pd
from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from hrflow.core.bulk import bulk_transition, insert_rows, snapshot_history
from hrflow.core.history import save_audited
from hrflow.policy import BulkInputError, screen_frame

from .models import Application, Finding, SelectionRound

APPLICANT_COLUMNS = ["id", "post_id", "id_number", "gender", "education", "certificates", "cadre",
                     "criminal_record", "infectious_disease", "mental_illness_history"]
FINDING_FIELDS = ["application", "rule", "clause", "hard", "template", "params", "override_reason"]


def screen_round(*, round_id: int, acting_user) -> dict:
    round = SelectionRound.objects.get(pk=round_id)
    applicants = pd.DataFrame(
        list(round.applications.filter(state=Application.State.SUBMITTED).values_list(*APPLICANT_COLUMNS)),
        columns=APPLICANT_COLUMNS,
    ).rename(columns={"id": "key"})
    posts = pd.DataFrame(
        [(p.pk, p.category, p.dorm_gender or None, p.certificate) for p in round.posts.all()],
        columns=["post_id", "category", "dorm_gender", "certificate"],
    )
    try:
        findings = screen_frame(applicants, posts, round.as_of)
    except BulkInputError as error:
        with transaction.atomic():
            round = SelectionRound.objects.select_for_update().get(pk=round_id)
            round.screening_status = "failed"
            round.screening_error = "\n".join(f"#{e.key} {e.field}: {e.message}" for e in error.errors[:200])
            save_audited(round, user=acting_user, reason=_("Screening failed on malformed applications"))
        return {"screened": 0, "errors": len(error.errors)}

    hard_mask = findings["hard"].astype(bool)
    hard = set(findings.loc[hard_mask, "key"].tolist())
    soft = set(findings.loc[~hard_mask, "key"].tolist()) - hard
    everyone = applicants["key"].tolist()
    reason = _("Screened on %(day)s (川教函〔2021〕569号 三(三))") % {"day": round.as_of.isoformat()}
    prepare_params = Finding._meta.get_field("params").get_db_prep_save
    with transaction.atomic():
        round = SelectionRound.objects.select_for_update().get(pk=round_id)
        before = Finding.objects.aggregate(last=Max("id"))["last"] or 0
        insert_rows(Finding, FINDING_FIELDS, [
            (r.key, r.rule, r.clause, bool(r.hard), r.template, prepare_params(r.params, connection), "")
            for r in findings.itertuples(index=False)
        ])
        snapshot_history(
            Finding, f"id > %s AND application_id IN (SELECT id FROM {Application._meta.db_table} WHERE round_id = %s)",
            [before, round.pk], user=acting_user, reason=reason, history_type="+",
        )
        source = Application.State.SUBMITTED
        bulk_transition(Application, sorted(hard), "exclude", source=source, user=acting_user, reason=reason)
        bulk_transition(Application, sorted(soft), "flag", source=source, user=acting_user, reason=reason)
        eligible = sorted(set(everyone) - hard - soft)
        bulk_transition(Application, eligible, "mark_eligible", source=source, user=acting_user, reason=reason)
        round.screening_status = "done"
        round.screening_error = ""
        save_audited(round, user=acting_user, reason=reason)
    return {"screened": len(everyone), "excluded": len(hard), "flagged": len(soft), "findings": len(findings)}
