from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "hrflow.core"
    label = "core"
    verbose_name = _("HRflow")

    def ready(self):
        from . import lookups  # noqa: F401 (registers field__any)
