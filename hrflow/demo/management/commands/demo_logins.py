from django.core.management.base import BaseCommand

from hrflow.demo.data import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Print the URL and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url, **options):
        self.stdout.write(self.style.SUCCESS(f"\nHRflow is starting at {url}"))
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for username, label in demo_logins():
            self.stdout.write(f"  {username:<8} {label}")
        self.stdout.write("")
