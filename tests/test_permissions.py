"""Every URL of the project, for every role: allowed (200) or forbidden (403).

A URL missing from EXPECTED fails the test, so a new page cannot ship without deciding who
may see it. hr2 is an HR officer of another school: the object pages of the first school
must refuse them (scope, not only role).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from hrflow.people.models import Staff

ROLES = ["anonymous", "hr", "hr2", "leader", "staff", "auditor", "bureau", "admin"]
OVERSIGHT = {"hr", "leader", "auditor", "bureau"}

# URL name -> the demo users who may GET it. Everyone else authenticated gets 403.
# An area's index redirects (302) to its first page the user may open.
EXPECTED = {
    "index": set(ROLES) - {"anonymous"},
    "login": set(ROLES),
    "logout": None,  # POST only; checked in test_logout
    "set_language": None,  # POST only; checked in tests/core/test_i18n.py
    "javascript-catalog": set(ROLES),
    "org:index": OVERSIGHT | {"hr2"},
    "org:school_list": OVERSIGHT | {"hr2"},
    "org:school_detail": OVERSIGHT,
    "org:compliance": OVERSIGHT | {"hr2"},
    "people:index": OVERSIGHT | {"hr2", "staff"},
    "people:staff_list": OVERSIGHT | {"hr2"},
    "people:staff_create": {"hr", "hr2"},
    "people:staff_detail": OVERSIGHT,
    "people:staff_edit": {"hr"},
    "people:staff_transition": {"hr"},
    "people:me": {"staff"},
    "audit:index": {"auditor"},
    "audit:change_list": {"auditor"},
    "audit:change_export": {"auditor"},
}


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}" if p.name else None


PROJECT_URLS = sorted({(route, name) for route, name in walk(get_resolver().url_patterns) if not route.startswith("admin/")})


def test_every_project_url_is_classified():
    names = {name for _route, name in PROJECT_URLS}
    assert None not in names, "every URL needs a name"
    assert names == set(EXPECTED), f"unclassified: {names - set(EXPECTED)}, stale: {set(EXPECTED) - names}"


def concrete(route, school, staff):
    return (
        "/" + route.replace("<int:pk>", str(school.pk if "schools" in route else staff.pk)).replace("<slug:transition>", "suspend")
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_url_for_every_role(role, login, school, staff_member):
    client = login(role)
    failures = []
    for route, name in PROJECT_URLS:
        allowed = EXPECTED[name]
        if allowed is None:
            continue
        url = concrete(route, school, staff_member)
        response = client.get(url)
        status = response.status_code
        if role == "anonymous" and role not in allowed:
            expected = 302  # to the login page
        elif role not in allowed:
            expected = 403
        elif name.endswith(":index") or (name == "login" and role != "anonymous"):
            expected = 302
        else:
            expected = 200
        if status != expected:
            failures.append(f"{url} ({name}): {status}, expected {expected}")
        elif status == 302 and name.endswith(":index"):
            landing = client.get(response["Location"]).status_code
            if landing != 200:
                failures.append(f"{url} redirects to {response['Location']}, which answers {landing}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/people/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_admin_needs_a_superuser(login):
    assert login("hr").get("/admin/").status_code == 302
    assert login("admin").get("/admin/").status_code == 200


def test_logout_is_a_post(login):
    client = login("hr")
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("role", ["leader", "auditor", "bureau", "hr2", "staff"])
def test_only_hr_of_the_school_can_write(role, login, staff_member):
    client = login(role)
    before = Staff.objects.get(pk=staff_member.pk).status
    response = client.post(f"/people/staff/{staff_member.pk}/suspend/", {"reason": "try"})
    assert response.status_code == 403
    assert Staff.objects.get(pk=staff_member.pk).status == before
