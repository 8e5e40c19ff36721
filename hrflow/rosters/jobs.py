"""The daily job of staff imports: an import left uncommitted for ROSTER_KEEP_DAYS is discarded, its
file and its preview rows (the ID numbers the officer uploaded) deleted. A committed import keeps
its rows for the same time, then they go too: the records carry the file's name in their history."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrflow.core.history import save_audited

from .models import RosterImport, RosterRow
from .services import import_dir

STALE = (RosterImport.State.QUEUED, RosterImport.State.PREVIEWED, RosterImport.State.FAILED)


def daily(*, as_of, user) -> dict:
    before = timezone.make_aware(datetime.combine(as_of - timedelta(days=settings.HRFLOW["ROSTER_KEEP_DAYS"]), time.min))
    discarded = 0
    for batch in RosterImport.objects.filter(state__in=STALE, created_at__lt=before).order_by("pk")[:1000]:
        with transaction.atomic():
            locked = RosterImport.objects.select_for_update().get(pk=batch.pk)
            if locked.state not in STALE:
                continue
            locked.discard()
            save_audited(locked, user=user, reason=_("Discarded after %(days)d days without an import") % {"days": settings.HRFLOW["ROSTER_KEEP_DAYS"]})
            RosterRow.objects.filter(batch=locked).delete()
        (import_dir() / batch.stored_name).unlink(missing_ok=True)
        discarded += 1
    cleared, _counts = RosterRow.objects.filter(batch__state=RosterImport.State.COMMITTED, batch__finished_at__lt=before).delete()
    return {"discarded": discarded, "rows_cleared": cleared}
