from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "hrflow.training"
    label = "training"
    verbose_name = _("Training and certificates")

    def ready(self):
        from django.db.models import Q

        from hrflow.core import sections
        from hrflow.notifications import daily

        from . import jobs
        from hrflow.core.audited import paths_q, register
        from hrflow.people.models import Person, Staff

        from . import rules  # noqa: F401 - the permissions
        from .models import Attendance, Certificate, Course, RequiredCertificate, TrainingPlan
        from .selectors import staff_page_section

        def certificate_scope(paths):
            # A certificate belongs to the person: its changes lie wherever the person is employed.
            staff = Q(pk__in=[])
            for path in paths:
                staff |= Q(school__unit__path__startswith=path)
            return Q(person_id__in=Staff.objects.filter(staff).values("person_id"))

        def plan_titles(records):
            return {r.id: r.title for r in records}

        def course_titles(records):
            plans = TrainingPlan.objects.in_bulk({r.plan_id for r in records})
            return {r.id: f"{plans[r.plan_id].title if r.plan_id in plans else ''} · {r.title}" for r in records}

        def attendance_names(records):
            staff = Staff.objects.select_related("person").in_bulk({r.staff_id for r in records})
            courses = Course.objects.in_bulk({r.course_id for r in records})
            return {r.id: f"{staff[r.staff_id].person.name if r.staff_id in staff else ''} · "
                          f"{courses[r.course_id].title if r.course_id in courses else ''}" for r in records}

        def certificate_names(records):
            people = Person.objects.in_bulk({r.person_id for r in records})
            return {r.id: f"{people[r.person_id].name if r.person_id in people else ''} · {r.name or r.get_kind_display()}" for r in records}

        def requirement_names(records):
            staff = Staff.objects.select_related("person").in_bulk({r.staff_id for r in records})
            return {r.id: f"{staff[r.staff_id].person.name if r.staff_id in staff else ''} · {r.name or r.get_kind_display()}"
                    for r in records}

        register(TrainingPlan, paths_q("unit__path"), describe=plan_titles)
        register(Course, paths_q("plan__unit__path"), describe=course_titles)
        register(Attendance, paths_q("staff__school__unit__path"), describe=attendance_names)
        register(Certificate, certificate_scope, describe=certificate_names)
        register(RequiredCertificate, paths_q("staff__school__unit__path"), describe=requirement_names)
        daily.register("training", jobs.daily)
        sections.register(sections.Section("training", "training/_staff_section.html", staff_page_section, order=20))
