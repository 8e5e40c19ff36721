from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RostersConfig(AppConfig):
    name = "hrflow.rosters"
    label = "rosters"
    verbose_name = _("Staff import")

    def ready(self):
        from hrflow.core.audited import paths_q, register
        from hrflow.notifications import daily

        from . import exports, jobs  # noqa: F401 (exports registers the roster export)
        from .models import RosterImport

        register(RosterImport, paths_q("unit__path"), describe=_describe_imports)
        daily.register("rosters", jobs.daily)


def _describe_imports(records):
    from django.utils.translation import gettext

    return {r.id: gettext("Import of %(file)s") % {"file": r.file_name} for r in records}
