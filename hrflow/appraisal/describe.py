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


def reveals(records):
    labels = _appraisal_labels([r.appraisal_id for r in records])
    return {r.id: _("Raters of %(appraisal)s revealed") % {"appraisal": labels.get(r.appraisal_id, "?")} for r in records}


def incidents(records):
    return {r.id: r.title for r in records}


def responsibilities(records):
    from hrflow.people.models import Staff

    from .models import Incident

    names = _values(Staff, [r.staff_id for r in records], "person__name")
    titles = _values(Incident, [r.incident_id for r in records], "title")
    return {r.id: _("%(person)s, responsible for %(incident)s") % {"person": names.get(r.staff_id, ("?",))[0],
                                                                  "incident": titles.get(r.incident_id, ("?",))[0]} for r in records}


def rates(records):
    from hrflow.org.models import School

    schools = _values(School, [r.school_id for r in records], "unit__name")
    return {r.id: _("Base pay rate of %(school)s") % {"school": schools.get(r.school_id, ("?",))[0]} for r in records}


def pay_runs(records):
    from hrflow.org.models import School

    from .models import Cycle

    schools = _values(School, [r.school_id for r in records], "unit__name")
    cycle_names = _values(Cycle, [r.cycle_id for r in records], "name")
    return {r.id: _("Performance pay of %(school)s for %(cycle)s") % {"school": schools.get(r.school_id, ("?",))[0],
                                                                      "cycle": cycle_names.get(r.cycle_id, ("?",))[0]} for r in records}


def pay_lines(records):
    from .models import Appraisal

    names = _values(Appraisal, [r.appraisal_id for r in records], "staff__person__name")
    return {r.id: _("Pay line of %(person)s") % {"person": names.get(r.appraisal_id, ("?",))[0]} for r in records}
