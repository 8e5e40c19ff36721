from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "hrflow.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        from hrflow.core.audited import paths_q, register
        from hrflow.core import sections
        from hrflow.notifications import daily

        from . import jobs
        from .selectors import staff_section
        from .models import Contract, DispatchAgreement, RenewalCase

        register(Contract, paths_q("staff__school__unit__path"), describe=_describe_contracts)
        register(DispatchAgreement, paths_q("staff__school__unit__path"), describe=_describe_dispatch)
        register(RenewalCase, paths_q("contract__staff__school__unit__path"), describe=_describe_cases)
        daily.register("contracts", jobs.daily)
        sections.register(sections.Section("contracts", "contracts/_staff_section.html", staff_section, order=10))


def _names(staff_ids):
    from hrflow.people.models import Staff

    return dict(Staff.objects.filter(pk__in=staff_ids).values_list("pk", "person__name"))


def _describe_contracts(records):
    from django.utils.formats import date_format
    from django.utils.translation import gettext

    names = _names({r.staff_id for r in records})
    return {r.id: gettext("%(person)s's contract from %(day)s") % {"person": names.get(r.staff_id, "?"), "day": date_format(r.starts_on, "DATE_FORMAT")}
            for r in records}


def _describe_dispatch(records):
    from django.utils.translation import gettext

    names = _names({r.staff_id for r in records})
    return {r.id: gettext("%(person)s's dispatch agreement with %(agency)s") % {"person": names.get(r.staff_id, "?"), "agency": r.agency}
            for r in records}


def _describe_cases(records):
    from django.utils.translation import gettext

    from .models import Contract

    contracts = dict(Contract.objects.filter(pk__in={r.contract_id for r in records}).values_list("pk", "staff__person__name"))
    return {r.id: gettext("Renewal of %(person)s's contract") % {"person": contracts.get(r.contract_id, "?")} for r in records}
