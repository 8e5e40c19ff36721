import rules


@rules.predicate
def is_signed_in(user):
    return user.is_authenticated


@rules.predicate
def is_recipient(user, notification):
    return notification is not None and notification.recipient_id == user.pk


# Everyone signed in has a list of their own notifications; nobody reads another's.
rules.add_perm("notifications.view_notifications", is_signed_in)
rules.add_perm("notifications.view_notification", is_signed_in & is_recipient)
