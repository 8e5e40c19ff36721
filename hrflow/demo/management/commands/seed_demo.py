from django.core.management.base import BaseCommand

from hrflow.core.history import system_user
from hrflow.demo.data import seed_demo


class Command(BaseCommand):
    help = "Load the demo city, schools, ~200 staff and one login per role (idempotent)."

    def handle(self, *args, **options):
        result = seed_demo(user=system_user())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {result['schools']} schools, {result['staff_created']} staff added."))
