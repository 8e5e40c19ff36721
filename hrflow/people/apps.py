from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "hrflow.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from django.db.models import Q

        from hrflow.core.audited import paths_q, register

        from .models import ATTESTATION_FIELDS, SENSITIVE_FIELDS, Attestation, Person, Staff

        def person_scope(paths):
            staff = Q(pk__in=[])
            for path in paths:
                staff |= Q(school__unit__path__startswith=path)
            return Q(id__in=Staff.objects.filter(staff).values("person_id"))

        def schools_of_persons(person_ids):
            """Schools whose HR may read the person's identity in full: where they work now."""
            schools = {}
            current = Staff.objects.filter(person_id__in=person_ids).exclude(status=Staff.Status.LEFT)
            for person_id, school_id in current.values_list("person_id", "school_id"):
                schools.setdefault(person_id, set()).add(school_id)
            return schools

        def school_of_attestations(attestation_ids):
            """An attestation is readable only by HR of the school that recorded it, while the
            person works there."""
            rows = Attestation.objects.filter(pk__in=attestation_ids).exclude(staff__status=Staff.Status.LEFT)
            return {pk: {school_id} for pk, school_id in rows.values_list("pk", "staff__school_id")}

        def attestation_names(records):
            staff = Staff.objects.select_related("person", "school__unit").in_bulk({r.staff_id for r in records})
            return {r.id: f"{staff[r.staff_id].person.name} · {staff[r.staff_id].school.unit.name}" for r in records if r.staff_id in staff}

        def staff_names(records):
            names = Person.objects.in_bulk({r.person_id for r in records})
            return {r.id: str(names.get(r.person_id, "")) for r in records}

        register(Person, person_scope, sensitive_fields=SENSITIVE_FIELDS, person_of=schools_of_persons)
        register(Staff, paths_q("school__unit__path"), describe=staff_names)
        register(Attestation, paths_q("staff__school__unit__path"), sensitive_fields=ATTESTATION_FIELDS,
                 person_of=school_of_attestations, describe=attestation_names)
