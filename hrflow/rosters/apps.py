from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RostersConfig(AppConfig):
    name = "hrflow.rosters"
    label = "rosters"
    verbose_name = _("Staff import")

    def ready(self):
        from hrflow.core.audited import paths_q, register

        from . import exports  # noqa: F401 (registers the roster export)
        from .models import RosterImport

        register(RosterImport, paths_q("unit__path"), describe=_describe_imports)


def _describe_imports(records):
    from django.utils.translation import gettext

    return {r.id: gettext("Import of %(file)s") % {"file": r.file_name} for r in records}
