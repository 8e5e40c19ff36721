"""A roster import: one uploaded file, its preview row by row, and its commit.

The file is planned (hrflow.rosters.plan) before anything is written: each row gets an action
(create, link, update, unchanged, refused) with its problems and changes, stored as RosterRow so
the officer can page and filter a 200,000-row preview. Commit writes the whole file or nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from hrflow.org.models import OrgUnit, School


class RosterImport(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for the preview")
        PREVIEWING = "previewing", _("Preview under way")
        PREVIEWED = "previewed", _("Preview ready")
        COMMITTING = "committing", _("Import under way")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("The job failed")
        DISCARDED = "discarded", _("Discarded")

    RUNNING = (State.QUEUED, State.PREVIEWING, State.COMMITTING)

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="roster_imports")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("school or area"), on_delete=models.PROTECT, related_name="roster_imports")
    bureau = models.BooleanField(_("bureau roster (with a school column)"), default=False)
    file_name = models.CharField(_("file"), max_length=200)
    file_sha256 = models.CharField(_("file checksum"), max_length=64)
    stored_name = models.CharField(max_length=100, editable=False)
    language = models.CharField(max_length=16, editable=False, default="zh-hans")
    state = FSMField(_("state"), default=State.QUEUED, choices=State.choices, protected=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    file_problems = models.JSONField(_("problems with the file"), default=list, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, max_length=2000)
    previewed_on = models.DateField(_("previewed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Plumbing, not part of the record: the stored file's name, the job's language, and the counts
    # and problems as data (the outcome and each change's reason say them in words).
    history = HistoricalRecords(excluded_fields=["rows_done", "started_at", "stored_name", "language", "counts", "file_problems"])

    class Meta:
        verbose_name = _("staff import")
        verbose_name_plural = _("staff imports")
        indexes = [models.Index(fields=["owner", "-id"], name="roster_import_owner_newest")]

    def __str__(self):
        return self.file_name

    def get_absolute_url(self):
        return reverse("rosters:import_detail", args=[self.pk])

    @property
    def scope_path(self):
        return self.unit.path

    @property
    def lost(self) -> bool:
        """Under way for longer than any job takes: its worker died, and its transaction with it."""
        started = self.started_at or self.created_at
        limit = timedelta(minutes=settings.HRFLOW["ROSTER_STALE_MINUTES"])
        return self.state in self.RUNNING and started is not None and started < timezone.now() - limit

    @property
    def refused(self) -> int:
        return sum(v for k, v in self.counts.items() if k.endswith(":refused"))

    @property
    def writes(self) -> bool:
        """Whether the commit would write anything: rows that are not all unchanged or refused."""
        return any(n for key, n in self.counts.items() if not key.endswith((":unchanged", ":refused")))

    @property
    def can_commit(self) -> bool:
        return self.state == self.State.PREVIEWED and not self.file_problems and not self.refused

    @transition(field=state, source=[State.QUEUED, State.PREVIEWED, State.FAILED], target=State.PREVIEWING)
    def begin_preview(self):
        pass

    @transition(field=state, source=[State.PREVIEWED, State.FAILED], target=State.QUEUED)
    def queue_again(self):
        pass

    @transition(field=state, source=State.PREVIEWING, target=State.PREVIEWED)
    def finish_preview(self):
        pass

    @transition(field=state, source=State.PREVIEWED, target=State.COMMITTING)
    def begin_commit(self):
        pass

    @transition(field=state, source=State.COMMITTING, target=State.COMMITTED)
    def finish_commit(self):
        pass

    @transition(field=state, source=State.COMMITTING, target=State.PREVIEWED)
    def commit_refused(self):
        pass

    @transition(field=state, source=[State.QUEUED, State.PREVIEWING, State.COMMITTING], target=State.FAILED)
    def fail(self):
        pass

    @transition(field=state, source=[State.QUEUED, State.PREVIEWED, State.FAILED], target=State.DISCARDED)
    def discard(self):
        pass


class RosterRow(models.Model):
    """One row of the file as the preview saw it. Messages are stored in the importer's language:
    the preview is theirs, and it must read the same when they come back to it."""

    class Sheet(models.TextChoices):
        STAFF = "staff", _("Staff")
        CONTRACT = "contract", _("Contracts")

    class Action(models.TextChoices):
        CREATE = "create", _("New person and employment")
        LINK = "link", _("Existing person linked")
        UPDATE = "update", _("Update")
        UNCHANGED = "unchanged", _("Unchanged")
        ADD = "add", _("New contract")
        REFUSED = "refused", _("Refused")

    batch = models.ForeignKey(RosterImport, on_delete=models.CASCADE, related_name="rows")
    sheet = models.CharField(_("sheet"), max_length=8, choices=Sheet.choices)
    row = models.PositiveIntegerField(_("row"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    school = models.ForeignKey(School, verbose_name=_("school"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("name"), max_length=100, blank=True)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    # {"problems": [[column, message]], "changes": [[column, from, to]], "notes": [message]}
    details = models.JSONField(default=dict, blank=True)
    # What the row's cells read as (hrflow.rosters.plan.READ_KEYS), for a commit on the day of the preview.
    readings = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        indexes = [
            # The preview pages a sheet by id, all rows or one action's.
            models.Index(fields=["batch", "sheet", "id"], name="roster_row_sheet"),
            models.Index(fields=["batch", "sheet", "action", "id"], name="roster_row_action"),
        ]

    def __str__(self):
        return f"{self.get_sheet_display()} {self.row}"
