from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """One export a user asked for: run off the request, its file kept for a while to download.

    Not in simple-history: the row itself is the record of who exported what and when, and it
    is kept after its file expires.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("finished")
        FAILED = "failed", _("failed")

    class Problem(models.TextChoices):
        # Stored as a code and put in words when shown, in the reader's language.
        NONE = "", _("none")
        DENIED = "denied", _("You may no longer export this.")
        FAILED = "failed", _("The export failed; nothing was kept. Start it again, or tell the administrator if it fails again.")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="exports")
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    rows_expected = models.PositiveIntegerField(_("rows expected"), null=True, blank=True)
    problem = models.CharField(_("problem"), max_length=16, choices=Problem.choices, blank=True, default="")
    limit_reached = models.BooleanField(_("stopped at the row limit"), default=False)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["owner", "-id"], name="export_owner_newest")]

    def __str__(self):
        return str(self.title)

    def get_absolute_url(self):
        return reverse("exports:job_detail", args=[self.pk])

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_expected:
            return None
        return min(99, int(self.rows_written * 100 / self.rows_expected))

    @property
    def lost(self):
        """Queued or running for longer than any export takes: its worker died (nothing marks it on a read)."""
        limit = timedelta(minutes=settings.HRFLOW["EXPORT_STALE_MINUTES"])
        return self.status in (self.Status.QUEUED, self.Status.RUNNING) and self.created_at < timezone.now() - limit

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED) or self.lost
