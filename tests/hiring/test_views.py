"""The hiring pages: public application and status, masking, scoped tasks, actions, exports."""

import io
from datetime import date

import openpyxl

from hrflow.hiring import services
from hrflow.hiring.models import Application, SelectionRound

from .conftest import applicant, by_name


def apply_data(round, **over):
    data = applicant("周敏", date(1991, 4, 4), "F", sequence=61)
    form = {"post": round.posts.get(category="dormitory").pk, "name": data["name"], "id_number": data["id_number"],
            "gender": "F", "phone": "13900000000", "education": "associate", "certificates": "", "cadre": "False",
            "criminal_record": "False", "infectious_disease": "False", "mental_illness_history": "False", "declaration": "on"}
    form.update(over)
    return form


def test_public_pages_need_no_login(client, open_round):
    assert client.get("/jobs/").status_code == 200
    page = client.get(f"/jobs/{open_round.pk}/").content.decode()
    assert open_round.title in page and "三(三)" in page and "40%" in page


def test_apply_online_and_check_the_status(client, open_round):
    response = client.post(f"/jobs/{open_round.pk}/apply/", apply_data(open_round))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    code = Application.objects.get(name="周敏").code
    assert code in page
    status = client.post("/jobs/status/", {"code": code.lower(), "id_number": Application.objects.get(code=code).id_number})
    html = status.content.decode()
    assert "已提交" in html and "2026年后勤人员公开遴选" in html
    wrong = client.post("/jobs/status/", {"code": code, "id_number": "110105194912310021"})
    assert "未找到报名记录" in wrong.content.decode()


def test_apply_errors_name_the_field(client, open_round):
    response = client.post(f"/jobs/{open_round.pk}/apply/", apply_data(open_round, gender="M"))
    assert response.status_code == 200
    assert response.context["form"].errors["gender"]
    assert not Application.objects.filter(name="周敏").exists()


def test_applicants_see_findings_with_clauses(client, screened_round):
    old = by_name(screened_round, "丁厨师")
    html = client.post("/jobs/status/", {"code": old.code, "id_number": old.id_number}).content.decode()
    # A rule code travels with its title and clause, never alone.
    assert "ELIG-AGE-M 男性年龄在60周岁以下 · 三(三)" in html


def test_applicant_ids_are_masked_except_for_hr_of_the_school(login, screened_round, export_download):
    target = by_name(screened_round, "甲厨师")
    for role, full in (("hr", True), ("leader", False), ("auditor", False), ("bureau", False)):
        html = login(role).get(f"/hiring/applications/{target.pk}/").content.decode()
        assert (target.id_number in html) is full, role
    export = export_download(login("leader"), f"/hiring/rounds/{screened_round.pk}/results/export/")
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True) for c in row]
    assert target.id_number not in cells and target.id_number[:4] + "*" * 10 + target.id_number[-4:] in cells


def test_tasks_are_scoped_to_the_school_and_the_role(login, planned_round):
    hr_tasks = login("hr").get("/hiring/tasks/").content.decode()
    assert "提交方案审批" in hr_tasks and planned_round.title in hr_tasks
    assert planned_round.title not in login("hr2").get("/hiring/tasks/").content.decode()
    assert planned_round.title not in login("leader").get("/hiring/tasks/").content.decode()  # the leader's turn comes later
    login("hr").post(f"/hiring/rounds/{planned_round.pk}/act/submit/")
    assert planned_round.title in login("leader").get("/hiring/tasks/").content.decode()
    assert planned_round.title not in login("hr").get("/hiring/tasks/").content.decode()


def test_leader_approves_through_the_page_and_hr_cannot(login, planned_round):
    login("hr").post(f"/hiring/rounds/{planned_round.pk}/act/submit/")
    assert login("hr").post(f"/hiring/rounds/{planned_round.pk}/act/approve/", {"note": ""}).status_code == 403
    login("leader").post(f"/hiring/rounds/{planned_round.pk}/act/approve/", {"note": "同意按计划实施"})
    round = SelectionRound.objects.get(pk=planned_round.pk)
    assert round.state == "approved" and round.approval_note == "同意按计划实施"
    assert round.history.latest("history_date").history_user.username == "leader"


def test_refused_step_comes_back_as_a_message(login, planned_round):
    response = login("hr").post(f"/hiring/rounds/{planned_round.pk}/act/publish/", follow=True)
    assert response.status_code == 200
    assert any("不能执行此步骤" in str(m) for m in response.context["messages"])


def plan_post(school, **overrides):
    """The round form as HR posts it, with one post."""
    data = {
        "school": school.pk, "title": "新遴选", "procedure": "报名—审查", "extra_criteria": "", "exam_weight": "40",
        "interview_weight": "60", "tie_break": "interview", "pay_and_treatment": "面议", "opens_on": "2099-06-01",
        "closes_on": "2099-06-10", "reference_date": "",
        "posts-TOTAL_FORMS": "1", "posts-INITIAL_FORMS": "0", "posts-MIN_NUM_FORMS": "1", "posts-MAX_NUM_FORMS": "1000",
        "posts-0-title": "宿管", "posts-0-category": "dormitory", "posts-0-headcount": "1", "posts-0-dorm_gender": "",
        "posts-0-certificate": "", "posts-0-employment_type": "contract", "posts-0-term_months": "36",
    }
    return {**data, **overrides}


def test_hr_creates_a_round_with_posts(login, school):
    data = plan_post(school)
    response = login("hr").post("/hiring/rounds/new/", data)
    assert response.status_code == 200  # a dormitory post must state the residents' gender
    assert "三(一)2" in response.content.decode()
    data["posts-0-dorm_gender"] = "F"
    response = login("hr").post("/hiring/rounds/new/", data)
    assert response.status_code == 302
    round = SelectionRound.objects.get(title="新遴选")
    assert round.posts.get().dorm_gender == "F" and round.process_id


def test_auditor_replays_a_round(login, screened_round, user):
    services.application_exclude(application=by_name(screened_round, "庚宿管"), reason="学历不符合", acting_user=user("hr"))
    html = login("auditor").get(f"/hiring/rounds/{screened_round.pk}/timeline/").content.decode()
    assert "学历不符合" in html and "报名" in html
    assert by_name(screened_round, "庚宿管").id_number not in html


def test_hr_reads_an_applicants_declaration_only_while_they_apply(login, screened_round):
    client = login("hr")
    live = client.get(f"/hiring/applications/{by_name(screened_round, '甲厨师').pk}/").content.decode()
    assert 'data-testid="attestations-masked"' not in live
    out = client.get(f"/hiring/applications/{by_name(screened_round, '戊厨师').pk}/").content.decode()
    assert 'data-testid="attestations-masked"' in out


def test_plan_errors_are_shown_in_words_on_their_field(login, school):
    data = plan_post(school, **{"opens_on": "2099-06-10", "closes_on": "2099-06-01", "posts-0-title": "厨师",
                                 "posts-0-category": "canteen", "posts-0-headcount": "-1", "posts-0-term_months": "9999999"})
    response = login("hr").post("/hiring/rounds/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and not SelectionRound.objects.filter(title="新遴选").exists()
    assert "round_window_ordered" not in html and html.count("报名截止日不能早于开始日") == 1
    assert "closes_on" in response.context["form"].errors
    post_errors = response.context["posts"].forms[0].errors
    assert {"headcount", "term_months"} <= set(post_errors)
    assert "1" in post_errors["headcount"][0]  # the real lower bound, not 0
    for messages_ in post_errors.values():
        assert all(m in html for m in messages_)


def test_titles_that_a_spreadsheet_would_run_are_refused_and_stray_post_fields_cleared(login, school):
    client = login("hr")
    response = client.post("/hiring/rounds/new/", plan_post(school, title="=1+1", **{"posts-0-title": "\u202e宿管"}))
    assert response.status_code == 200 and "title" in response.context["form"].errors
    assert "title" in response.context["posts"].forms[0].errors
    response = client.post("/hiring/rounds/new/", plan_post(school, **{"posts-0-category": "canteen", "posts-0-dorm_gender": "M"}))
    assert response.status_code == 302
    assert SelectionRound.objects.get(title="新遴选").posts.get().dorm_gender == ""
