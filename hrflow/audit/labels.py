"""How the audit names things for a person: users, referenced records and field values.

A record is named by what it is ("集体研究 2026年11月20日 09:00 会议室", "甲厨师（食堂厨师）"),
never by Django's "CollectiveReview object (1)". Labels are built in bulk from live rows or
historical records alike (both carry the same columns), so a deleted record keeps its name.
"""

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext as _

from hrflow.core.history import user_label, users_labels
from hrflow.core.templatetags.hrflow import finding_text, human_date, human_datetime, human_list, rule_text

# Job states stored as codes on a model without choices (SelectionRound.screening_status).
CODED_VALUES = {
    ("hiring.selectionround", "screening_status"): {
        "queued": lambda: _("queued"), "running": lambda: _("running"), "done": lambda: _("finished"),
        "failed": lambda: _("failed"),
    },
}


def _key(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _lookup(model_key: str, ids) -> dict:
    """id -> label of records of another model, live or (if deleted) from their history."""
    from django.apps import apps

    model = apps.get_model(model_key)
    return labels_for(model, ids)


def _applicants(objs, attr="application_id"):
    return _lookup("hiring.application", {getattr(o, attr) for o in objs if getattr(o, attr, None)})


def _rounds(objs):
    return {o.id: o.title for o in objs}


def _posts(objs):
    return {o.id: o.title for o in objs}


def _applications(objs):
    posts = _lookup("hiring.roundpost", {o.post_id for o in objs})
    return {o.id: _("%(name)s (%(post)s)") % {"name": o.name, "post": posts.get(o.post_id, "—")} for o in objs}


def _findings(objs):
    people = _applicants(objs)
    return {o.id: f"{people.get(o.application_id, '—')} · {rule_text(o.rule, o.clause)}" for o in objs}


def _named(objs):
    return {o.id: o.name for o in objs}


def _recusals(objs):
    raters, people = _lookup("hiring.rater", {o.rater_id for o in objs}), _applicants(objs)
    return {o.id: _("%(rater)s recused from %(applicant)s") % {"rater": raters.get(o.rater_id, "—"), "applicant": people.get(o.application_id, "—")}
            for o in objs}


def _scores(objs):
    raters, people = _lookup("hiring.rater", {o.rater_id for o in objs}), _applicants(objs)
    return {o.id: f"{people.get(o.application_id, '—')} · {o.get_component_display()} · {raters.get(o.rater_id, '—')}" for o in objs}


def _examinations(objs):
    people = _applicants(objs)
    return {o.id: f"{people.get(o.application_id, '—')} · {o.get_kind_display()}" for o in objs}


def _reviews(objs):
    return {o.id: f"{_('Collective review')} {human_datetime(o.held_at)} {o.place}" for o in objs}


def _review_items(objs):
    people = _applicants(objs)
    findings = _lookup("hiring.finding", {o.finding_id for o in objs if o.finding_id})
    labels = {}
    for o in objs:
        what = findings.get(o.finding_id) if o.finding_id else people.get(o.application_id, "—")
        labels[o.id] = f"{o.get_kind_display()} · {what}"
    return labels


def _publicities(objs):
    return {o.id: _("Publicity %(start)s – %(end)s") % {"start": human_date(o.starts_on), "end": human_date(o.ends_on)} for o in objs}


def _objections(objs):
    people = _applicants(objs)
    return {o.id: _("Objection about %(applicant)s") % {"applicant": people.get(o.application_id, "—")} for o in objs}


def _calendar_days(objs):
    working, rest = _("working day"), _("day of rest")
    return {o.id: f"{human_date(o.day)} {working if o.is_working else rest}" for o in objs}


def _contracts(objs):
    staff = _lookup("people.staff", {o.staff_id for o in objs})
    return {o.id: f"{staff.get(o.staff_id, '—')} · {o.get_kind_display()} · {human_date(o.starts_on)}" for o in objs}


LABELERS = {
    "hiring.selectionround": _rounds,
    "hiring.roundpost": _posts,
    "hiring.application": _applications,
    "hiring.finding": _findings,
    "hiring.rater": _named,
    "hiring.recusal": _recusals,
    "hiring.score": _scores,
    "hiring.examination": _examinations,
    "hiring.collectivereview": _reviews,
    "hiring.reviewmember": _named,
    "hiring.reviewitem": _review_items,
    "hiring.publicity": _publicities,
    "hiring.objection": _objections,
    "hiring.calendarday": _calendar_days,
    "contracts.contract": _contracts,
}


def describe(model, objs) -> dict:
    """id -> label for these rows (live or historical) of `model`."""
    from hrflow.core.audited import audited_models

    objs = list(objs)
    if not objs:
        return {}
    key = _key(model)
    if model is get_user_model():
        return {o.id: user_label(o) for o in objs}
    labeler = LABELERS.get(key)
    if labeler is not None:
        return labeler(objs)
    entry = audited_models().get(key)
    if entry is not None and entry.describe is not None:
        labels = entry.describe(objs)
        if labels:
            return labels
    return {o.id: _fallback(model, o) for o in objs}


def _fallback(model, obj) -> str:
    for attr in ("name", "title"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    if isinstance(obj, model) and type(obj).__str__ is not models.Model.__str__:
        return str(obj)
    return f"{model._meta.verbose_name} #{obj.pk}"


def labels_for(model, ids) -> dict:
    """id -> label of the records `ids` of `model`; deleted ones are named from their last version."""
    ids = {i for i in ids if i not in (None, "")}
    if not ids:
        return {}
    if model is get_user_model():
        return users_labels(ids)
    live = model._default_manager.in_bulk(ids)
    labels = describe(model, live.values())
    missing = ids - set(live)
    history = getattr(model, "history", None)
    if missing and history is not None:
        last = {}
        for record in history.filter(id__in=missing).order_by("history_date", "history_id"):
            last[record.id] = record
        labels.update(describe(model, last.values()))
    for pk in ids - set(labels):
        labels[pk] = f"{model._meta.verbose_name} #{pk}"
    return labels


def plain_value(model_field, value) -> str:
    """A stored value as prose (not a relation: those are named in bulk by the caller)."""
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return human_datetime(value)
    if isinstance(value, date):
        return human_date(value)
    if isinstance(value, (list, tuple)):
        return human_list(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain_value(model_field, v)}" for k, v in value.items()) if value else "—"
    return str(value)


__all__ = ["CODED_VALUES", "describe", "finding_text", "labels_for", "plain_value", "user_label", "users_labels"]
