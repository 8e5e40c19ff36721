import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hrflow.contracts.models import Contract, DispatchAgreement
from hrflow.core.bulk import refresh_statistics
from hrflow.core.history import system_user
from hrflow.demo.data import DEMO_PASSWORD, generate_province, province_logins
from hrflow.org.models import Dormitory, OrgUnit, RoleAssignment, School
from hrflow.people.models import Person, Staff
from hrflow.training.models import Certificate


class Command(BaseCommand):
    help = ("Generate a synthetic province in bulk: --scale 1 gives 200,000 staff (benchmarks reuse it), "
            "with logins at every level (scale_bureau, scale_auditor, scale_city, scale_county, scale_hr, scale_leader).")

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=0.01, help="1.0 = 200,000 staff (default 0.01)")
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--code", default="G51", help="code of the generated province unit")
        parser.add_argument("--logins-only", action="store_true",
                            help="only (re)create and print the logins of an existing province")

    def handle(self, *args, scale, seed, code, logins_only, **options):
        user = system_user()
        if not logins_only:
            started = time.perf_counter()
            try:
                result = generate_province(scale=scale, seed=seed, code=code, user=user)
            except ValueError as error:
                raise CommandError(str(error)) from None
            generated = time.perf_counter() - started
            # Autovacuum may be off or late: without statistics the planner misjudges every page.
            started = time.perf_counter()
            refresh_statistics([OrgUnit, School, Dormitory, Person, Staff, Contract, DispatchAgreement, Certificate])
            analyzed = time.perf_counter() - started
            self.stdout.write(self.style.SUCCESS(_(
                "Generated %(cities)s cities, %(counties)s counties, %(schools)s schools, %(dormitories)s dormitories, "
                "%(staff)s staff (%(contracts)s contracts, %(dispatch_agreements)s dispatch agreements, %(certificates)s certificates) in %(seconds).1f s (planner statistics refreshed in %(analyze).1f s)."
            ) % {**result, "seconds": generated, "analyze": analyzed}))
        try:
            logins = province_logins(code=code, user=user)
        except ValueError as error:
            raise CommandError(str(error)) from None
        refresh_statistics([get_user_model(), RoleAssignment])
        self.stdout.write(_("Logins of province %(code)s (password: %(password)s):") % {"code": code, "password": DEMO_PASSWORD})
        for username, label in logins:
            self.stdout.write(f"  {username:<14} {label}")
