import time

from django.core.management.base import BaseCommand, CommandError

from hrflow.core.demo import generate_province
from hrflow.core.history import system_user


class Command(BaseCommand):
    help = "Generate a synthetic province in bulk: --scale 1 gives 200,000 staff (benchmarks reuse it)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=0.01, help="1.0 = 200,000 staff (default 0.01)")
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--code", default="G51", help="code of the generated province unit")

    def handle(self, *args, scale, seed, code, **options):
        started = time.perf_counter()
        try:
            result = generate_province(scale=scale, seed=seed, code=code, user=system_user())
        except ValueError as error:
            raise CommandError(str(error)) from None
        seconds = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"Generated {result['cities']} cities, {result['counties']} counties, {result['schools']} schools, "
            f"{result['dormitories']} dormitories, {result['staff']} staff in {seconds:.1f} s."
        ))
