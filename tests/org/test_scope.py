import pytest
from django.core.exceptions import ValidationError

from hrflow.org import scope
from hrflow.org.models import OrgUnit, Role, RoleAssignment, School
from hrflow.org.selectors import schools_visible_to


def codes(qs):
    return sorted(s.unit.code for s in qs)


def test_bureau_officer_sees_every_school_below_the_city(user):
    assert codes(schools_visible_to(user("bureau"))) == sorted(School.objects.values_list("unit__code", flat=True))


def test_school_hr_sees_only_their_school(user):
    assert codes(schools_visible_to(user("hr"))) == ["5101040002"]
    assert codes(schools_visible_to(user("hr2"))) == ["5101050001"]


def test_county_grant_covers_the_county_only(user):
    bureau = user("bureau")
    RoleAssignment.objects.filter(user=bureau).delete()
    RoleAssignment.objects.create(user=bureau, role=Role.BUREAU_OFFICER, unit=OrgUnit.objects.get(code="510107"))
    bureau = user("bureau")  # fresh object: grants are cached per user object
    assert codes(schools_visible_to(bureau)) == ["5101070001", "5101070002"]


def test_staff_role_gives_no_oversight(user):
    staff = user("staff")
    assert scope.roles(staff) == {Role.STAFF}
    assert not schools_visible_to(staff).exists()


def test_superuser_holds_no_role_and_sees_no_school(user):
    admin = user("admin")
    assert not scope.has_role(admin, *Role.values)
    assert not schools_visible_to(admin).exists()


def test_path_prefix_does_not_leak_to_sibling_codes(db):
    # "5101/" must not cover a city "51010/": paths end with a slash.
    province = OrgUnit.objects.get(code="51")
    sibling = OrgUnit.objects.create(kind=OrgUnit.Kind.CITY, code="51010", name="某市", parent=province)
    assert not sibling.path.startswith(OrgUnit.objects.get(code="5101").path)


@pytest.mark.parametrize(
    "role,unit_code,ok",
    [
        (Role.HR_OFFICER, "5101040002", True),
        (Role.HR_OFFICER, "510104", False),  # HR works in one school
        (Role.STAFF, "5101", False),
        (Role.BUREAU_OFFICER, "510104", True),
        (Role.BUREAU_OFFICER, "5101040002", False),
        (Role.AUDITOR, "51", True),
        (Role.AUDITOR, "5101040002", True),
    ],
)
def test_role_assignment_levels(role, unit_code, ok, user):
    assignment = RoleAssignment(user=user("staff"), role=role, unit=OrgUnit.objects.get(code=unit_code))
    if ok:
        assignment.full_clean()
    else:
        with pytest.raises(ValidationError):
            assignment.full_clean()


def test_unit_parent_kind_is_checked(db):
    county = OrgUnit.objects.get(code="510104")
    with pytest.raises(ValidationError):
        OrgUnit(kind=OrgUnit.Kind.CITY, code="9999", name="x", parent=county).full_clean()
