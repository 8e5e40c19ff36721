from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A message to one user from a workflow: shown in their list (with an unread count) and mailed.

    `event_key` names the event ("hiring.plan_submitted:12:3"): one notification per recipient and
    event, so a job that runs twice (a daily reminder, a retried task) never notifies twice. The text
    is stored as written, in Chinese prose, like the audit trail.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="notifications")
    event_key = models.CharField(_("event"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once_per_event")]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_newest"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self):
        return self.subject


class DailyRun(models.Model):
    """One run of the daily jobs (contract states, reminders) for one day: claimed by inserting the row,
    so two workers, two web processes or a cron run and the beat never run the same day twice."""

    day = models.DateField(_("day"), unique=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counts = models.JSONField(_("what was done"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("daily run")
        verbose_name_plural = _("daily runs")
        ordering = ["-day"]

    def __str__(self):
        return str(self.day)
