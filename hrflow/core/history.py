"""History helpers: every audited write names its user and its reason."""

from django.contrib.auth import get_user_model

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
