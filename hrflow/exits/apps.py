from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExitsConfig(AppConfig):
    name = "hrflow.exits"
    label = "exits"
    verbose_name = _("Exits")

    def ready(self):
        from hrflow.appraisal.signals import exit_review_due
        from hrflow.contracts.signals import contract_not_renewed
        from hrflow.core import sections
        from hrflow.core.audited import paths_q, register
        from hrflow.notifications import daily

        from . import rules  # noqa: F401 (the permissions)
        from . import jobs, services
        from .models import ExitCase, HandoverItem, Protection
        from .selectors import staff_section

        register(ExitCase, paths_q("staff__school__unit__path"), describe=_describe_cases)
        register(HandoverItem, paths_q("case__staff__school__unit__path"), describe=_describe_items)
        # Health and family data: only those who may see the person's sensitive data read the status.
        register(Protection, paths_q("staff__school__unit__path"), sensitive_fields=("kind", "evidence"),
                 person_of=_person_of_protection, describe=_describe_protections)
        daily.register("exits", jobs.daily)
        from hrflow.contracts import jobs as contract_jobs

        contract_jobs.END_HOLDS.append(jobs.hold_contracts_in_open_cases)
        from hrflow.contracts import services as contract_services

        contract_services.RENEWAL_GUARDS.append(services.renewal_guard)
        contract_not_renewed.connect(services.on_contract_not_renewed, dispatch_uid="exits.not_renewed")
        exit_review_due.connect(services.on_exit_review_due, dispatch_uid="exits.review_due")
        sections.register(sections.Section("exits", "exits/_staff_section.html", staff_section, order=20))
        from hrflow.people import services as people

        people.TRANSITION_GUARDS.append(services.staff_transition_guard)


def _names(staff_ids):
    from hrflow.people.models import Staff

    return dict(Staff.objects.filter(pk__in=staff_ids).values_list("pk", "person__name"))


def _describe_cases(records):
    from django.utils.translation import gettext

    from .models import Ground

    names = _names({r.staff_id for r in records})
    return {r.id: gettext("Exit of %(person)s (%(ground)s)") % {"person": names.get(r.staff_id, "?"), "ground": Ground(r.ground).label}
            for r in records}


def _describe_items(records):
    from django.utils.translation import gettext

    from .models import ExitCase, HandoverItem

    names = dict(ExitCase.objects.filter(pk__in={r.case_id for r in records}).values_list("pk", "staff__person__name"))
    return {r.id: gettext("%(person)s's handover: %(item)s") % {"person": names.get(r.case_id, "?"), "item": HandoverItem.Kind(r.kind).label}
            for r in records}


def _describe_protections(records):
    from django.utils.translation import gettext

    names = _names({r.staff_id for r in records})
    return {r.id: gettext("%(person)s's protected status") % {"person": names.get(r.staff_id, "?")} for r in records}


def _person_of_protection(protection_ids):
    """A protected status is readable only by HR of the school that recorded it, while the person works there."""
    from hrflow.people.models import Staff

    from .models import Protection

    rows = Protection.objects.filter(pk__in=protection_ids).exclude(staff__status=Staff.Status.LEFT)
    return {pk: {school_id} for pk, school_id in rows.values_list("pk", "staff__school_id")}
