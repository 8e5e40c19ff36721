from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "hrflow.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self):
        from hrflow.core.audited import paths_q, register

        from .models import Dormitory, OrgUnit, RoleAssignment, School

        register(OrgUnit, paths_q("path"))
        register(School, paths_q("unit__path"), describe=lambda records: _names(OrgUnit, {r.id: r.unit_id for r in records}))
        register(Dormitory, paths_q("school__unit__path"))
        register(
            RoleAssignment,
            paths_q("unit__path"),
            describe=_role_assignments,
        )


def _names(model, ids_by_object):
    names = model.objects.in_bulk(set(ids_by_object.values()))
    return {oid: str(names.get(fk, "")) for oid, fk in ids_by_object.items()}


def _role_assignments(records):
    # Users named in one query: str(r.user) would fetch each row's user on its own.
    from hrflow.core.history import users_labels

    users = users_labels({r.user_id for r in records})
    return {r.id: f"{users.get(r.user_id, '—')} · {r.get_role_display()}" for r in records}
