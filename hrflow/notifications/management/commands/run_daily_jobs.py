from datetime import date

from django.core.management.base import BaseCommand, CommandError

from hrflow.notifications.daily import jobs, run_daily


class Command(BaseCommand):
    help = "Run the daily jobs (contract states, renewals due, reminders) once for a day; cron calls it daily."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="the day to run for (YYYY-MM-DD; default today)")
        parser.add_argument("--force", action="store_true", help="run again for a day that has already run")

    def handle(self, *args, as_of=None, force=False, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise CommandError(f"--as-of: not a date: {as_of!r}") from None
        run = run_daily(as_of=day, force=force)
        if run is None:
            self.stdout.write("already run for this day (use --force to run again)")
            return
        for name in jobs():
            self.stdout.write(f"{name}: {run.counts.get(name, 'failed')}")
        if run.error:
            raise CommandError(run.error)
