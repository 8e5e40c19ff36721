"""History helpers: every audited write names its user and its reason."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

SYSTEM_USERNAME = "hrflow-system"


def system_user():
    """The account commands and background jobs write history as. It never logs in."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": "HRflow", "last_name": "system"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def user_label(user) -> str:
    """Who wrote a change, for a person: their name, or 系统（自动） for commands, jobs and the
    public forms (they write as the system account)."""
    if user is None:
        return _("(unknown)")
    if user.get_username() == SYSTEM_USERNAME:
        return _("HRflow system (automatic)")
    return user.get_full_name() or user.get_username()


def users_labels(ids) -> dict:
    """id -> user_label for many users, in one query."""
    users = get_user_model().objects.in_bulk(set(ids))
    return {pk: user_label(u) for pk, u in users.items()}


def save_audited(obj, *, user, reason: str, **save_kwargs):
    """Save `obj` with the history user and the change reason set."""
    if user is None:
        raise ValueError("an audited write needs the acting user")
    if not reason:
        raise ValueError("an audited write needs a reason")
    obj._history_user = user
    obj._change_reason = reason
    obj.save(**save_kwargs)
    return obj
