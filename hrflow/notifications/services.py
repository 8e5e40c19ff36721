"""The one notification service the workflows use: an in-app message per recipient and an e-mail.

`notify()` writes at most one notification per recipient and event (a unique constraint, so two
runs of a job at once cannot both write), and mails the new ones after the transaction commits.
Mail that cannot be sent is logged and never fails the workflow step that notified.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.utils import timezone

from .models import Notification

log = logging.getLogger(__name__)


def notify(*, recipients, event_key: str, subject: str, body: str = "", url: str = "") -> int:
    """Notify each of `recipients` of the event once; returns how many were notified now."""
    recipients = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not recipients:
        return 0
    event_key = event_key[:200]  # the column's length: the same event must find itself again
    already = set(Notification.objects.filter(event_key=event_key, recipient_id__in=recipients).values_list("recipient_id", flat=True))
    new = [Notification(recipient_id=pk, event_key=event_key, subject=subject[:200], body=body, url=url[:300])
           for pk in recipients if pk not in already]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    mails = [(subject, _mail_body(body, url), settings.DEFAULT_FROM_EMAIL, [recipients[n.recipient_id].email])
             for n in new if recipients[n.recipient_id].email]
    if mails:
        transaction.on_commit(lambda: _send(mails))
    return len(new)


def _mail_body(body: str, url: str) -> str:
    return f"{body}\n\n{settings.HRFLOW['SITE_URL'].rstrip('/')}{url}" if url and settings.HRFLOW["SITE_URL"] else body


def _send(mails):
    try:
        send_mass_mail(mails, fail_silently=False)
    except Exception:  # a mail server that is down must not undo or block the workflow
        log.exception("notification mail to %d recipients failed", len(mails))


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@dataclass(frozen=True)
class Event:
    """One event for `notify_many`: every recipient gets it once (the key is unique per recipient)."""

    recipient_ids: tuple[int, ...]
    event_key: str
    subject: str
    body: str = ""
    url: str = ""


CHUNK = 2000


def notify_many(events: list[Event]) -> int:
    """`notify()` for thousands of events at once, in a constant number of statements: on PostgreSQL
    the rows are copied into a temporary table and inserted with ON CONFLICT DO NOTHING RETURNING, so
    the database says which are new (never a second notification, even from two runs at once);
    elsewhere what was already sent is read in chunks first. Each recipient gets one mail listing their
    new notifications (a digest, not one mail per event)."""
    wanted = {}
    for event in events:
        key = event.event_key[:200]
        for pk in event.recipient_ids:
            wanted.setdefault((pk, key), event)
    if not wanted:
        return 0
    rows = [(pk, key, e.subject[:200], e.body, e.url[:300]) for (pk, key), e in wanted.items()]
    with transaction.atomic():
        new = _insert_new_postgresql(rows) if connection.vendor == "postgresql" else _insert_new_elsewhere(rows)
    _mail_digests(new)
    return len(new)


def _insert_new_postgresql(rows) -> list[tuple]:
    table = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS hrflow_new_notification (recipient_id integer, event_key varchar(200), "
                       "subject varchar(200), body text, url varchar(300)) ON COMMIT DROP")
        cursor.execute("TRUNCATE hrflow_new_notification")
        with cursor.cursor.copy("COPY hrflow_new_notification FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} (recipient_id, event_key, subject, body, url, created_at) "
            "SELECT recipient_id, event_key, subject, body, url, %s FROM hrflow_new_notification "
            "ON CONFLICT (recipient_id, event_key) DO NOTHING RETURNING recipient_id, event_key, subject, body, url",
            [timezone.now()])
        return cursor.fetchall()


def _insert_new_elsewhere(rows) -> list[tuple]:
    keys = sorted({row[1] for row in rows})
    already = set()
    for start in range(0, len(keys), CHUNK):
        already.update(Notification.objects.filter(event_key__in=keys[start:start + CHUNK]).values_list("recipient_id", "event_key"))
    new = [row for row in rows if (row[0], row[1]) not in already]
    Notification.objects.bulk_create([Notification(recipient_id=r[0], event_key=r[1], subject=r[2], body=r[3], url=r[4]) for r in new],
                                     batch_size=CHUNK, ignore_conflicts=True)
    return new


def _mail_digests(new):
    """`new`: (recipient id, event key, subject, body, url) of the notifications just written."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext as _

    by_recipient = {}
    for recipient_id, _key, subject, body, url in new:
        by_recipient.setdefault(recipient_id, []).append((subject, body, url))
    if not by_recipient:
        return
    emails = dict(get_user_model().objects.filter(pk__in=by_recipient, is_active=True).exclude(email="").values_list("pk", "email"))
    mails = []
    for pk, items in by_recipient.items():
        if pk not in emails:
            continue
        subject = items[0][0] if len(items) == 1 else _("HRflow: %(n)d new notifications") % {"n": len(items)}
        body = "\n\n".join(f"{subject_}\n{_mail_body(body_, url)}".strip() for subject_, body_, url in items)
        mails.append((subject, body, settings.DEFAULT_FROM_EMAIL, [emails[pk]]))
    if mails:
        transaction.on_commit(lambda: _send(mails))
