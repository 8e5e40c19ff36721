import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hrflow.core.history import system_user
from hrflow.demo.data import generate_province
from hrflow.org.models import OrgUnit, Role, RoleAssignment


@pytest.fixture
def province(db):
    """A generated province of `schools` schools (one city, one county) and a logged-in bureau
    officer over it: `make(code, schools)` -> (client, user, province unit)."""

    def make(code, schools):
        generate_province(scale=schools * 40 / 200_000, user=system_user(), code=code)
        unit = OrgUnit.objects.get(code=code)
        officer = get_user_model().objects.create_user(f"officer-{code}", password="x")
        RoleAssignment.objects.create(user=officer, role=Role.BUREAU_OFFICER, unit=unit)
        client = Client()
        client.force_login(officer)
        return client, officer, unit

    return make
