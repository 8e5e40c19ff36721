from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "hrflow.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        from hrflow.audit.registry import paths_q, register

        from .models import Contract

        register(Contract, paths_q("staff__school__unit__path"), describe=lambda records: {r.id: f"#{r.id}" for r in records})
