from django.core.management.base import BaseCommand

from hrflow.exports.services import purge_expired


class Command(BaseCommand):
    help = "Delete the files of expired exports (also done whenever an export starts); run it daily from cron."

    def handle(self, *args, **options):
        total = 0
        while (deleted := purge_expired()):
            total += deleted
        self.stdout.write(f"{total}")
