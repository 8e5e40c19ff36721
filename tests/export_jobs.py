"""A finished export and a notification owned by a user, for the URL tables (permissions, page walk, fuzz)."""

from datetime import timedelta

from django.utils import timezone

from hrflow.core.xlsx import Writer
from hrflow.exports.models import ExportJob
from hrflow.exports.services import export_dir


def finished_export(owner) -> ExportJob:
    now = timezone.now()
    job = ExportJob.objects.create(owner=owner, kind="audit_changes", title="变更记录", status=ExportJob.Status.DONE,
                                   rows_written=1, finished_at=now, expires_at=now + timedelta(days=7))
    job.file_name = f"{job.pk}-test.xlsx"
    with Writer(str(export_dir() / job.file_name)) as book:
        book.row(book.sheet("变更"), 0, ["测试"])
    job.save(update_fields=["file_name"])
    return job


def notification_for(recipient):
    from hrflow.notifications.models import Notification
    from hrflow.notifications.services import notify

    notify(recipients=[recipient], event_key="tests:url-table", subject="测试通知", url="/")
    return Notification.objects.get(recipient=recipient, event_key="tests:url-table")
