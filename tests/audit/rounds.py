"""A whole selection round driven through the services, stopped at any state: the audit and
page-walk tests read what the auditor and every role see of it.

Time moves through hrflow.core.clock (monkeypatched by the caller) so that every legal date
lies on or after "today" when it is entered.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from hrflow.core import clock
from hrflow.hiring import services
from hrflow.hiring.models import Application
from hrflow.policy import build_id_number

STAGES = ("open", "screening", "assessing", "examining", "reviewing", "publicity", "hiring", "closed")

PLAN = {
    "procedure": "报名—资格审查—笔试—面试—体检考察—集体研究—公示—聘用", "extra_criteria": "",
    "exam_weight": 40, "interview_weight": 60, "tie_break": "interview",
    "pay_and_treatment": "月薪4000元起，缴纳五险一金", "reference_date": None,
}
POSTS = [
    {"title": "食堂厨师", "category": "canteen", "headcount": 1, "dorm_gender": "", "certificate": "", "employment_type": "contract", "term_months": 36},
    {"title": "女生宿舍管理员", "category": "dormitory", "headcount": 1, "dorm_gender": "F", "certificate": "", "employment_type": "contract", "term_months": 36},
    {"title": "水电工", "category": "technical", "headcount": 1, "dorm_gender": "", "certificate": "电工证", "employment_type": "contract", "term_months": 36},
]
MEMBERS = [{"name": n, "attended": True, "recused": False, "recusal_reason": ""} for n in ("王校长", "李书记", "赵副校长", "钱主任", "孙主任")]


def _applicant(name, birth, gender, sequence, education="senior_high", **extra):
    data = {
        "name": name, "id_number": build_id_number("510104", birth, sequence * 2 + (1 if gender == "M" else 0)),
        "gender": gender, "phone": "13800000000", "education": education, "certificates": [], "cadre": False,
        "criminal_record": False, "infectious_disease": False, "mental_illness_history": False,
    }
    data.update(extra)
    return data


def build_round(*, school, users, title, stage, start: date, set_today, on_commit):
    """A round at `school` taken to `stage` (one of STAGES).

    users: username -> User; set_today(date) moves the application's today; on_commit() is a
    context manager that runs the on-commit callbacks (the screening job) when it exits.
    """
    hr, leader = users["hr"], users["leader"]
    opens, closes = start, start + timedelta(days=10)
    set_today(opens)
    round = services.round_create(school=school, data=dict(PLAN, title=title, opens_on=opens, closes_on=closes),
                                  posts=[dict(p) for p in POSTS], acting_user=hr)
    services.round_submit(round=round, acting_user=hr)
    services.round_approve(round=round, acting_user=leader, note="同意，按方案组织实施。")
    round = services.round_publish(round=round, acting_user=hr)
    posts = {p.category: p for p in round.posts.all()}
    people = [
        ("canteen", _applicant("甲厨师", date(1985, 3, 1), "M", 1)),
        ("canteen", _applicant("乙厨师", date(1990, 7, 9), "F", 2)),
        ("canteen", _applicant("丁厨师", date(1963, 5, 5), "M", 4)),  # too old: ELIG-AGE-M (soft)
        ("canteen", _applicant("戊厨师", date(1992, 2, 2), "M", 5, criminal_record=True)),  # hard
        ("dormitory", _applicant("己宿管", date(1980, 8, 8), "F", 6)),
        ("dormitory", _applicant("庚宿管", date(1983, 9, 9), "M", 7)),  # a man for the girls' dormitory
        ("technical", _applicant("辛电工", date(1986, 4, 4), "M", 8, certificates=["电工证", "焊工证"])),
    ]
    for category, data in people:
        services.application_submit(round=round, post=posts[category], data=data)
    if stage == "open":
        return round
    set_today(closes + timedelta(days=1))
    with on_commit():
        round = services.round_close_applications(round=round, acting_user=hr)
    if stage == "screening":
        return round
    app = lambda name: round.applications.get(name=name)  # noqa: E731
    for finding in app("丁厨师").findings.filter(hard=False):
        services.finding_override(finding=finding, reason="经验丰富，身体健康", acting_user=hr)
    for name in ("庚宿管",):
        if app(name).state == Application.State.FLAGGED:
            services.application_exclude(application=app(name), reason="女生宿舍须由女性管理", acting_user=hr)
    round = services.round_finish_screening(round=round, acting_user=hr)
    if stage == "assessing":
        return round
    a = services.rater_add(round=round, name="评委甲", acting_user=hr)
    b = services.rater_add(round=round, name="评委乙", acting_user=hr)
    services.recusal_record(rater=b, application=app("甲厨师"), reason="近亲属", acting_user=hr)
    entries = []
    for name, (exam, interview) in {"甲厨师": ("80", "90"), "乙厨师": ("90", "85"), "丁厨师": ("85", "86"),
                                     "己宿管": ("75", "75"), "辛电工": ("88", "80")}.items():
        target = app(name)
        for rater in (a, b):
            if name == "甲厨师" and rater == b:
                continue
            entries += [(target.pk, rater.pk, "exam", Decimal(exam)), (target.pk, rater.pk, "interview", Decimal(interview))]
    services.scores_save(round=round, entries=entries, acting_user=hr, reason="评分表录入")
    round = services.round_finish_assessment(round=round, acting_user=hr)
    if stage == "examining":
        return round
    set_today(closes + timedelta(days=3))
    while round.applications.filter(state=Application.State.EXAMINING).exists():
        for target in round.applications.filter(state=Application.State.EXAMINING):
            for kind in ("medical", "background"):
                services.examination_record(application=target, kind=kind, passed=True, place="市一医院", held_on=clock.today(),
                                            notes="", refutes_attestation=False, acting_user=hr)
    round = services.round_finish_examination(round=round, acting_user=hr)
    if stage == "reviewing":
        return round
    set_today(closes + timedelta(days=4))
    agenda = services.review_agenda(round)
    held = timezone.make_aware(datetime.combine(clock.today(), datetime.min.time()).replace(hour=9))
    services.review_record(round=round, held_at=held, place="会议室", minutes="集体研究拟聘人员", members=MEMBERS,
                           votes={i["key"]: (4, 1, 0) for i in agenda}, acting_user=leader)
    publicity = services.publicity_start(round=round, starts_on=clock.today() + timedelta(days=1), acting_user=hr)
    round = publicity.round
    set_today(publicity.starts_on + timedelta(days=1))
    approved = round.applications.filter(state=Application.State.APPROVED).order_by("id").first()
    objection = services.objection_file(publicity=publicity, application=approved, filed_by="匿名群众", contact="13900000000",
                                        text="曾有违规经营记录")
    if stage == "publicity":
        return round
    services.objection_resolve(objection=objection, upheld=False, resolution="经核查无此事", acting_user=hr)
    set_today(publicity.ends_on + timedelta(days=1))
    round = services.round_finish_publicity(round=round, acting_user=hr)
    if stage == "hiring":
        return round
    for target in round.applications.filter(state=Application.State.APPROVED):
        services.application_hire(application=target, acting_user=hr, acknowledge_overlap=True)
    return services.round_close(round=round, acting_user=hr)
