"""seed_scale: a generated province comes with a login at every level, and planner statistics."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, RequestFactory

from hrflow.core.bulk import refresh_statistics
from hrflow.core.views import PingView
from hrflow.demo.data import DEMO_PASSWORD
from hrflow.org.models import OrgUnit, Role, RoleAssignment

CODE = "GS"
# username: (role, kind of the unit it is held over); the lower ones lie inside the higher ones.
EXPECTED = {
    "scale_bureau": (Role.BUREAU_OFFICER, OrgUnit.Kind.PROVINCE),
    "scale_auditor": (Role.AUDITOR, OrgUnit.Kind.PROVINCE),
    "scale_city": (Role.BUREAU_OFFICER, OrgUnit.Kind.CITY),
    "scale_county": (Role.BUREAU_OFFICER, OrgUnit.Kind.COUNTY),
    "scale_hr": (Role.HR_OFFICER, OrgUnit.Kind.SCHOOL),
    "scale_leader": (Role.SCHOOL_LEADER, OrgUnit.Kind.SCHOOL),
}


def seed(*args, **options):
    out = io.StringIO()
    call_command("seed_scale", *args, code=CODE, stdout=out, **options)
    return out.getvalue()


def grants():
    return {
        a.user.username: (a.role, a.unit)
        for a in RoleAssignment.objects.filter(user__username__in=EXPECTED).select_related("user", "unit")
    }


def test_seed_scale_makes_a_login_at_every_level(db):
    output = seed(scale=0.001)
    held = grants()
    assert {u: (role, unit.kind) for u, (role, unit) in held.items()} == EXPECTED
    province = held["scale_bureau"][1]
    assert province.code == CODE
    city, county, school = held["scale_city"][1], held["scale_county"][1], held["scale_hr"][1]
    assert county.path.startswith(city.path) and school.path.startswith(county.path) and city.path.startswith(province.path)
    assert held["scale_leader"][1] == school and held["scale_auditor"][1] == province
    # The first city, county and school by path: the same ones on every run of a seed.
    assert city == OrgUnit.objects.filter(kind=OrgUnit.Kind.CITY, path__startswith=province.path).order_by("path").first()
    for username in EXPECTED:
        assert username in output
    assert DEMO_PASSWORD in output and school.name in output and city.name in output


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_scale_login_opens_its_home_page(db, username):
    seed(scale=0.001)
    account = get_user_model().objects.get(username=username)
    assert account.check_password(DEMO_PASSWORD)
    client = Client()
    client.force_login(account)
    response = client.get("/")
    assert response.status_code == 200
    _role, unit = grants()[username]
    if unit.kind == OrgUnit.Kind.SCHOOL:
        assert unit.name in response.content.decode()  # the school's own card


def test_logins_only_keeps_an_existing_province_and_adds_nothing_twice(db):
    seed(scale=0.001)
    units, assignments = OrgUnit.objects.count(), RoleAssignment.objects.count()
    output = seed(logins_only=True)
    assert "scale_leader" in output
    assert (OrgUnit.objects.count(), RoleAssignment.objects.count()) == (units, assignments)


def test_seed_scale_still_refuses_an_existing_province(db):
    seed(scale=0.001)
    with pytest.raises(CommandError):
        seed(scale=0.001)


def test_logins_only_refuses_a_missing_province(db):
    with pytest.raises(CommandError):
        seed(logins_only=True)
    assert not RoleAssignment.objects.filter(user__username__in=EXPECTED).exists()


def test_refresh_statistics_analyzes_the_table_and_its_history(db):
    tables = refresh_statistics([OrgUnit])
    assert tables == ["org_orgunit", "org_historicalorgunit"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", ["org_orgunit"])
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", ["org_orgunit"])
        assert cursor.fetchone()[0] > 0


def test_the_bench_floor_answers_ok_without_a_query(db, user, django_assert_num_queries):
    request = RequestFactory().get("/ping/")
    request.user = user("hr")
    with django_assert_num_queries(0):
        response = PingView.as_view()(request)
    assert (response.status_code, response.content) == (200, b"ok")
