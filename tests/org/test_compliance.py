from hrflow.org.models import Dormitory, OrgUnit, School
from hrflow.staffing.selectors import rollup_by, school_staffing_lines, staffing_rollup
from hrflow.people.models import Staff


def by_rule(lines):
    return {(line.rule, line.subject): line for line in lines}


def test_school_lines_count_staff_in_post(school):
    lines = by_rule(school_staffing_lines(school))
    canteen = lines[("STAFF-CANTEEN", "")]
    in_post = Staff.objects.filter(school=school, post_category="canteen", status__in=["active", "exiting"]).count()
    assert canteen.actual == in_post
    assert canteen.required == -(-school.diners // 100)
    assert canteen.clause == "三(一)2" and not canteen.hard


def test_suspended_staff_do_not_count(school):
    lines = by_rule(school_staffing_lines(school))
    before = lines[("STAFF-CANTEEN", "")].actual
    cook = Staff.objects.filter(school=school, post_category="canteen", status="active").first()
    cook.suspend()
    cook.save()
    assert by_rule(school_staffing_lines(school))[("STAFF-CANTEEN", "")].actual == before - 1


def test_demo_quirks_show_as_findings(other_school):
    lines = by_rule(school_staffing_lines(other_school))
    female = [line for (rule, _s), line in lines.items() if rule == "STAFF-DORM-FEMALE"]
    assert female and not female[0].ok and female[0].hard
    primary = School.objects.get(unit__code="5101070001")
    assert not by_rule(school_staffing_lines(primary))[("STAFF-FOOD-SAFETY", "")].ok


def test_rollup_agrees_with_school_lines(user):
    frame = staffing_rollup(user("bureau")).set_index("school_id")
    for school in School.objects.all():
        lines = by_rule(school_staffing_lines(school))
        row = frame.loc[school.pk]
        assert row["canteen_ok"] == lines[("STAFF-CANTEEN", "")].ok
        dorm_rule = "STAFF-DORM-HE" if school.level == "higher" else "STAFF-DORM-K12"
        assert row["required_dormitory"] == lines[(dorm_rule, "")].required
        assert row["food_safety_ok"] == lines[("STAFF-FOOD-SAFETY", "")].ok
        female_lines = [line for (rule, _s), line in lines.items() if rule == "STAFF-DORM-FEMALE"]
        assert row["dorms_male_in_female"] == sum(not line.ok for line in female_lines)


def test_rollup_by_county_sums_schools(user):
    frame = staffing_rollup(user("bureau"))
    counties = rollup_by(frame, "county").set_index("county")
    assert counties.loc["武侯区", "schools"] == 2
    assert counties.loc["武侯区", "food_safety_failing"] == 1
    assert counties["schools"].sum() == School.objects.count()


def test_rollup_under_a_county(user):
    frame = staffing_rollup(user("bureau"), under=OrgUnit.objects.get(code="510105"))
    assert frame["name"].tolist() == ["成都市青羊区树德实验中学"]


def test_compliance_page_cites_clauses(login, school):
    html = login("hr").get(f"/org/schools/{school.pk}/").content.decode()
    assert "STAFF-CANTEEN" in html and "三(一)2" in html and "STAFF-FOOD-SAFETY" in html


def test_school_without_dormitories_needs_no_dormitory_staff(db):
    primary = School.objects.get(unit__code="5101040001")
    assert not Dormitory.objects.filter(school=primary).exists()
    assert by_rule(school_staffing_lines(primary))[("STAFF-DORM-K12", "")].required == 0
