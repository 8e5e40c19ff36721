import rules

from .services import import_units, may_import


@rules.predicate
def can_import(user, unit=None):
    if unit is None:
        return bool(import_units(user))
    return may_import(user, unit)


@rules.predicate
def owns_import(user, batch):
    # The preview shows the ID numbers the officer uploaded: it is theirs alone, while they may still import there.
    return batch is not None and batch.owner_id == user.pk and may_import(user, batch.unit)


rules.add_perm("rosters.import_roster", can_import)
rules.add_perm("rosters.view_import", owns_import)
