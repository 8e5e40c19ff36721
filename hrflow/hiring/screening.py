"""Screening a closed round: every application through the policy engine in one bulk pass.

Reads the applications with one query into pandas, runs hrflow.policy.screen_frame on the
round's reference date, and writes the findings and the new states in bulk, with history.
"""

import pandas as pd
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from hrflow.core.history import save_audited
from hrflow.policy import BulkInputError, screen_frame

from .models import Application, Finding, SelectionRound

APPLICANT_COLUMNS = ["id", "post_id", "id_number", "gender", "education", "certificates", "cadre",
                     "criminal_record", "infectious_disease", "mental_illness_history"]
BATCH = 5000


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

    hard = set(findings.loc[findings["hard"].astype(bool), "key"])
    soft = set(findings.loc[~findings["hard"].astype(bool), "key"]) - hard
    reason = _("Screened on %(day)s (川教函〔2021〕569号 三(三))") % {"day": round.as_of.isoformat()}
    with transaction.atomic():
        round = SelectionRound.objects.select_for_update().get(pk=round_id)
        bulk_create_with_history(
            [Finding(application_id=r.key, rule=r.rule, clause=r.clause, hard=bool(r.hard), template=r.template, params=r.params)
             for r in findings.itertuples(index=False)],
            Finding, batch_size=BATCH, default_user=acting_user, default_change_reason=reason,
        )
        changed = []
        for application in Application.objects.filter(round=round, state=Application.State.SUBMITTED).select_for_update():
            if application.pk in hard:
                application.exclude()
            elif application.pk in soft:
                application.flag()
            else:
                application.mark_eligible()
            changed.append(application)
        bulk_update_with_history(changed, Application, ["state"], batch_size=BATCH, default_user=acting_user, default_change_reason=reason)
        round.screening_status = "done"
        round.screening_error = ""
        save_audited(round, user=acting_user, reason=reason)
    return {"screened": len(changed), "excluded": len(hard), "flagged": len(soft), "findings": len(findings)}
