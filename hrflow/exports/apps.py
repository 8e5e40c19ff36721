from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "hrflow.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self):
        # Export kinds live beside the data they read; importing them registers them.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("exports")
