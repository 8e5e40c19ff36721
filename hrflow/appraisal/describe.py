"""How the change log names an appraisal record: Chinese prose, never `object (1)`.

A peer rating is named by the person rated only; its rater is nowhere in the record."""

from django.utils.translation import gettext as _


def _values(model, ids, *fields):
    return {row[0]: row[1:] for row in model.objects.filter(pk__in=set(ids)).values_list("pk", *fields)}


def cycles(records):
    return {r.id: r.name for r in records}


def school_cycles(records):
    from .models import Cycle
    from hrflow.org.models import School

    cycle_names = _values(Cycle, [r.cycle_id for r in records], "name")
    schools = _values(School, [r.school_id for r in records], "unit__name")
    return {r.id: _("%(cycle)s at %(school)s") % {"cycle": cycle_names.get(r.cycle_id, ("?",))[0],
                                                  "school": schools.get(r.school_id, ("?",))[0]} for r in records}


def committees(records):
    from hrflow.org.models import School

    schools = _values(School, [r.school_id for r in records], "unit__name")
    return {r.id: _("Appraisal committee of %(school)s") % {"school": schools.get(r.school_id, ("?",))[0]} for r in records}


def members(records):
    from hrflow.people.models import Staff

    names = _values(Staff, [r.staff_id for r in records], "person__name")
    return {r.id: _("%(person)s on the appraisal committee") % {"person": names.get(r.staff_id, ("?",))[0]} for r in records}


def _appraisal_labels(ids):
    from .models import Appraisal

    rows = _values(Appraisal, ids, "staff__person__name", "cycle__name")
    return {pk: _("%(person)s in %(cycle)s") % {"person": name, "cycle": cycle} for pk, (name, cycle) in rows.items()}


def appraisals(records):
    labels = _appraisal_labels([r.id for r in records])
    return {r.id: labels.get(r.id, "?") for r in records}


def assignments(records):
    from hrflow.people.models import Staff

    raters = _values(Staff, [r.rater_id for r in records], "person__name")
    labels = _appraisal_labels([r.appraisal_id for r in records])
    return {r.id: _("%(rater)s rates %(appraisal)s") % {"rater": raters.get(r.rater_id, ("?",))[0], "appraisal": labels.get(r.appraisal_id, "?")}
            for r in records}


def ratings(records):
    labels = _appraisal_labels([r.appraisal_id for r in records])
    return {r.id: _("A peer rating of %(appraisal)s") % {"appraisal": labels.get(r.appraisal_id, "?")} for r in records}
