from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "hrflow.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from django.db.models import Q

        from hrflow.audit.registry import paths_q, register

        from .models import SENSITIVE_FIELDS, Person, Staff

        def person_scope(paths):
            staff = Q(pk__in=[])
            for path in paths:
                staff |= Q(school__unit__path__startswith=path)
            return Q(id__in=Staff.objects.filter(staff).values("person_id"))

        def schools_of_persons(person_ids):
            schools = {}
            for person_id, school_id in Staff.objects.filter(person_id__in=person_ids).values_list("person_id", "school_id"):
                schools.setdefault(person_id, set()).add(school_id)
            return schools

        def staff_names(records):
            names = Person.objects.in_bulk({r.person_id for r in records})
            return {r.id: str(names.get(r.person_id, "")) for r in records}

        register(Person, person_scope, sensitive_fields=SENSITIVE_FIELDS, person_of=schools_of_persons)
        register(Staff, paths_q("school__unit__path"), describe=staff_names)
