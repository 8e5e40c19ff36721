"""Screening a closed round: every application through the policy engine in one bulk pass.

Reads the applications with one query into pandas, runs hrflow.policy.screen_frame on the
round's reference date, and writes the findings and the new states in bulk, each written row
with its history row (hrflow.core.bulk).

One bad row never stops the job: a row the rules cannot be applied to (an impossible birth
date, a bad ID number that slipped in before the entry checks) gets a hard DATA-INVALID finding
naming the problem, and the others are screened. Any other failure marks the job failed with a
translatable message; the officer re-runs it from the round page. A run only touches
applications still "submitted", under a lock on the round, so re-running is idempotent.
"""

import logging

import pandas as pd
from django.db import connection, transaction
from django.db.models import Max
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hrflow.core.bulk import ANALYZE_AFTER_ROWS, bulk_transition, insert_rows, refresh_statistics, snapshot_history
from hrflow.core.history import save_audited
from hrflow.policy import INVALID_DATA, RULES, BulkInputError, screen_frame

from .models import Application, Finding, SelectionRound

logger = logging.getLogger(__name__)

APPLICANT_COLUMNS = ["id", "post_id", "id_number", "gender", "education", "certificates", "cadre",
                     "criminal_record", "infectious_disease", "mental_illness_history"]
FINDING_FIELDS = ["application", "rule", "clause", "hard", "template", "params", "override_reason"]
# Stored as English message ids and translated when shown, in the reader's language.
FAILED_UNEXPECTEDLY = gettext_noop("The screening stopped on an unexpected error; nothing was written. Run it again; "
                                   "if it fails again, tell the system administrator.")


class Job:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _set_status(round_id, status, *, user, reason, error=""):
    with transaction.atomic():
        round = SelectionRound.objects.select_for_update().get(pk=round_id)
        round.screening_status = status
        round.screening_error = error
        save_audited(round, user=user, reason=reason)


def screen_round(*, round_id: int, acting_user) -> dict:
    """Run the screening job; never raises for bad data or an unexpected error (marks the job)."""
    _set_status(round_id, Job.RUNNING, user=acting_user, reason=_("Screening started"))
    try:
        return _screen(round_id, acting_user)
    except Exception:
        logger.exception("screening of round %s failed", round_id)
        _set_status(round_id, Job.FAILED, user=acting_user, reason=_("Screening failed"), error=FAILED_UNEXPECTEDLY)
        return {"screened": 0, "failed": True}


def _frames(round):
    applicants = pd.DataFrame(
        list(round.applications.filter(state=Application.State.SUBMITTED).values_list(*APPLICANT_COLUMNS)),
        columns=APPLICANT_COLUMNS,
    ).rename(columns={"id": "key"})
    posts = pd.DataFrame(
        [(p.pk, p.category, p.dorm_gender or None, p.certificate) for p in round.posts.all()],
        columns=["post_id", "category", "dorm_gender", "certificate"],
    )
    return applicants, posts


def screen_with_bad_rows(applicants: pd.DataFrame, posts: pd.DataFrame, as_of) -> pd.DataFrame:
    """screen_frame, where each malformed row becomes one hard DATA-INVALID finding per problem
    instead of stopping the whole frame."""
    bad = []
    remaining = applicants
    while True:
        try:
            findings = screen_frame(remaining, posts, as_of)
            break
        except BulkInputError as error:
            bad.extend(error.errors)
            keys = {e.key for e in error.errors}
            remaining = remaining[~remaining["key"].isin(keys)]
    if bad:
        rule = RULES[INVALID_DATA]
        invalid = pd.DataFrame({
            "key": [e.key for e in bad], "rule": rule.id, "clause": rule.clause, "hard": True,
            "template": [e.template for e in bad], "params": [dict(e.params) for e in bad],
        })
        findings = invalid if findings.empty else pd.concat([findings, invalid], ignore_index=True)
    return findings


def _screen(round_id, acting_user) -> dict:
    round = SelectionRound.objects.get(pk=round_id)
    applicants, posts = _frames(round)
    findings = screen_with_bad_rows(applicants, posts, round.as_of)
    reason = _("Screened on %(day)s (川教函〔2021〕569号 三(三))") % {"day": date_format(round.as_of, "DATE_FORMAT")}
    prepare_params = Finding._meta.get_field("params").get_db_prep_save
    with transaction.atomic():
        round = SelectionRound.objects.select_for_update().get(pk=round_id)
        # Another run may have finished meanwhile: screen only what is still submitted.
        pending = set(round.applications.filter(state=Application.State.SUBMITTED).values_list("pk", flat=True))
        everyone = [k for k in applicants["key"].tolist() if k in pending]
        findings = findings[findings["key"].isin(pending)]
        hard_mask = findings["hard"].astype(bool)
        hard = set(findings.loc[hard_mask, "key"].tolist())
        soft = set(findings.loc[~hard_mask, "key"].tolist()) - hard
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
        round.screening_status = Job.DONE
        round.screening_error = ""
        save_audited(round, user=acting_user, reason=reason)
        if len(everyone) >= ANALYZE_AFTER_ROWS:
            transaction.on_commit(lambda: refresh_statistics([Finding, Application]))
    invalid = int((findings["rule"] == INVALID_DATA).sum())
    return {"screened": len(everyone), "excluded": len(hard), "flagged": len(soft), "findings": len(findings), "invalid": invalid}
