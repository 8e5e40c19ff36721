"""Demo data for `make run` and scale data for benchmarks, written in bulk with history.

Everything here is deterministic for a given seed, so a benchmark run can be repeated.
"""

from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history
from stdnum.cn import ric

from hrflow.core import clock
from hrflow.policy.contracts import add_months
from hrflow.org.models import Dormitory, OrgUnit, Role, RoleAssignment, School
from hrflow.people.models import Person, Staff

from .records import bulk_records

DEMO_PASSWORD = "hrflow-demo"
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力燕春国莉志红梅琴云鹏飞丹宇浩凯")
EDUCATION_WEIGHTS = {
    "primary": 0.04, "junior_high": 0.30, "senior_high": 0.26, "secondary_vocational": 0.14,
    "associate": 0.16, "bachelor": 0.09, "master": 0.01,
}
CATEGORY_WEIGHTS = {
    "canteen": 0.40, "dormitory": 0.14, "property": 0.16, "greening": 0.08,
    "energy": 0.06, "management": 0.08, "technical": 0.08,
}
EMPLOYMENT_WEIGHTS = {"establishment": 0.25, "contract": 0.45, "dispatched": 0.08, "purchased_service": 0.22}
TITLES = {
    "canteen": ["中式烹调师四级", "中式烹调师三级", "面点师四级", "帮厨"],
    "dormitory": ["宿管员", "宿管组长"],
    "property": ["保洁员", "物业管理员"],
    "greening": ["绿化工", "花卉园艺工四级"],
    "energy": ["能源管理员"],
    "management": ["后勤科科员", "后勤科副科长", "后勤处处长"],
    "technical": ["电工（特种作业操作证）", "水暖工", "锅炉操作工"],
}

# The demo: one city (成都市), three districts, five schools; one user per role.
DEMO_TREE = {
    "province": ("51", "四川省"),
    "city": ("5101", "成都市"),
    "counties": [("510104", "锦江区"), ("510105", "青羊区"), ("510107", "武侯区")],
    "schools": [
        # code, county, name, level, diners, dormitories [(name, gender, boarders)], staff, quirks
        ("5101040001", "510104", "成都市锦江区实验小学", "primary", 1200, [], 24, {}),
        ("5101040002", "510104", "成都市第七中学", "secondary", 3200,
         [("女生公寓", "F", 820), ("男生公寓", "M", 760)], 62, {}),
        ("5101050001", "510105", "成都市青羊区树德实验中学", "secondary", 1800,
         [("1号女生宿舍", "F", 410), ("2号男生宿舍", "M", 380)], 28, {"male_in_female_dorm": True}),
        ("5101070001", "510107", "成都市武侯区红牌楼小学", "primary", 950, [("寄宿楼", "F", 120)], 9,
         {"no_food_safety_manager": True}),
        ("5101070002", "510107", "四川某职业技术学院", "higher", 6400,
         [("学生公寓A区", "F", 2100), ("学生公寓B区", "M", 1900)], 77, {}),
    ],
}

DEMO_USERS = [
    # username, full name, role, unit code, person-linked
    ("hr", "刘红", Role.HR_OFFICER, "5101040002"),
    ("hr2", "陈静", Role.HR_OFFICER, "5101050001"),
    ("leader", "王建国", Role.SCHOOL_LEADER, "5101040002"),
    ("staff", "张伟", Role.STAFF, "5101040002"),
    ("auditor", "赵敏", Role.AUDITOR, "5101"),
    ("bureau", "周平", Role.BUREAU_OFFICER, "5101"),
]


def weighted_choice(rng, weights: dict, size: int) -> np.ndarray:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


def person_frame(rng, n: int, *, region_codes, start_index: int = 0) -> pd.DataFrame:
    """n people with unique, valid ID numbers; sex and birth date derived as the ID says."""
    sex = np.where(rng.random(n) < 0.55, "F", "M")
    days = rng.integers(int((date(1965, 1, 1) - date(1970, 1, 1)).days), int((date(2002, 12, 31) - date(1970, 1, 1)).days), n)
    births = pd.to_datetime(days, unit="D").date
    regions = np.array(region_codes, dtype=object)[rng.integers(0, len(region_codes), n)]
    # The sequence makes each number unique within a (region, birth date) and carries the sex.
    index = np.arange(start_index, start_index + n)
    sequence = (index % 499) * 2 + np.where(sex == "M", 1, 0)
    bodies = [f"{r}{b:%Y%m%d}{s:03d}" for r, b, s in zip(regions, births, sequence)]
    id_numbers = [body + ric.calc_check_digit(body + "0") for body in bodies]
    names = [
        SURNAMES[a] + GIVEN[b] + (GIVEN[c] if c < len(GIVEN) else "")
        for a, b, c in zip(rng.integers(0, len(SURNAMES), n), rng.integers(0, len(GIVEN), n), rng.integers(0, len(GIVEN) * 2, n))
    ]
    frame = pd.DataFrame({
        "id_number": id_numbers, "name": names, "sex": sex, "birth_date": births,
        "education": weighted_choice(rng, EDUCATION_WEIGHTS, n),
        "phone": [f"13{int(x):09d}" for x in rng.integers(0, 10**9, n)],
    })
    return frame.drop_duplicates("id_number")


def bulk_staff(rng, *, schools: list[School], per_school: list[int], user, reason: str, region_codes, start_index=0,
               dormitories_by_school=None, batch_size=5000) -> int:
    """Create persons and their employments for `schools` in bulk, with history rows."""
    total = int(sum(per_school))
    people = person_frame(rng, total, region_codes=region_codes, start_index=start_index)
    existing = set()
    numbers = people["id_number"].tolist()
    for i in range(0, len(numbers), batch_size):
        existing.update(Person.objects.filter(id_number__in=numbers[i : i + batch_size]).values_list("id_number", flat=True))
    people = people[~people["id_number"].isin(existing)]
    total = len(people)
    school_ids = np.repeat([s.pk for s in schools], per_school)[:total]
    categories = weighted_choice(rng, CATEGORY_WEIGHTS, total)
    persons = [
        Person(
            id_number=r.id_number, name=r.name, sex=r.sex, birth_date=r.birth_date, education=r.education,
            phone=r.phone, cadre=bool(rng.random() < 0.05),
        )
        for r in people.itertuples(index=False)
    ]
    persons = bulk_create_with_history(
        persons, Person, batch_size=batch_size, default_user=user, default_change_reason=reason
    )
    if persons and persons[0].pk is None:
        ids = dict(Person.objects.filter(id_number__in=people["id_number"].tolist()).values_list("id_number", "pk"))
        for p in persons:
            p.pk = p.id = ids[p.id_number]
    dorms = dormitories_by_school or {}
    employment = weighted_choice(rng, EMPLOYMENT_WEIGHTS, total)
    hired = [date(2010, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 5000, total)]
    staff = []
    food_safety_given = set()
    for i, person in enumerate(persons):
        school_id = int(school_ids[i])
        category = str(categories[i])
        dormitory = None
        if category == "dormitory" and dorms.get(school_id):
            # Managers of the residents' gender, as the notice asks (soft rule STAFF-DORM-GENDER).
            matching = [d for d in dorms[school_id] if d.residents_gender == person.sex]
            dormitory = matching[i % len(matching)] if matching else None
        food_safety = category == "canteen" and school_id not in food_safety_given
        if food_safety:
            food_safety_given.add(school_id)
        titles = TITLES[category]
        staff.append(Staff(
            person=person, school_id=school_id, post_category=category, employment_type=str(employment[i]),
            # Hired at 18 at the earliest (LAW-MIN-AGE allows 16): the demo's rosters re-import cleanly.
            title=titles[i % len(titles)], dormitory=dormitory, food_safety_manager=food_safety,
            hired_on=max(hired[i], add_months(person.birth_date, 18 * 12)),
        ))
    bulk_create_with_history(staff, Staff, batch_size=batch_size, default_user=user, default_change_reason=reason)
    return total


def _unit(kind, code, name, parent, user, reason):
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        unit = OrgUnit(kind=kind, code=code, name=name, parent=parent)
        unit._history_user, unit._change_reason = user, reason
        unit.save()
    return unit


@transaction.atomic
def seed_demo(*, user, seed: int = 569) -> dict:
    """The demo city. Idempotent: what exists is kept, what is missing is added."""
    reason = _("Demo data")
    rng = np.random.default_rng(seed)
    province = _unit(OrgUnit.Kind.PROVINCE, *DEMO_TREE["province"], None, user, reason)
    city = _unit(OrgUnit.Kind.CITY, *DEMO_TREE["city"], province, user, reason)
    counties = {code: _unit(OrgUnit.Kind.COUNTY, code, name, city, user, reason) for code, name in DEMO_TREE["counties"]}
    created_staff = 0
    for index, (code, county, name, level, diners, dorms, n_staff, quirks) in enumerate(DEMO_TREE["schools"]):
        unit = _unit(OrgUnit.Kind.SCHOOL, code, name, counties[county], user, reason)
        school = School.objects.filter(unit=unit).first()
        if school is None:
            school = School(unit=unit, level=level, diners=diners)
            school._history_user, school._change_reason = user, reason
            school.save()
        for dorm_name, gender, boarders in dorms:
            if not Dormitory.objects.filter(school=school, name=dorm_name).exists():
                dorm = Dormitory(school=school, name=dorm_name, residents_gender=gender, boarders=boarders)
                dorm._history_user, dorm._change_reason = user, reason
                dorm.save()
        if school.staff.exists():
            continue
        dorm_map = {school.pk: list(school.dormitories.all())}
        created_staff += bulk_staff(
            rng, schools=[school], per_school=[n_staff], user=user, reason=reason,
            region_codes=[c for c, _n in DEMO_TREE["counties"]], start_index=index * 1000, dormitories_by_school=dorm_map,
        )
        _apply_quirks(school, quirks, user, reason)
        bulk_records(rng, school_ids=[school.pk], as_of=clock.today(), user=user, reason=reason)
    _demo_users(user, reason)
    _demo_round()
    _demo_appraisal()
    _demo_exit()
    return {"staff_created": created_staff, "schools": School.objects.count()}


DEMO_ROUND_TITLE = "成都市第七中学后勤人员公开遴选（演示）"


def _demo_round():
    """An announced round at 七中 whose window holds today, with a few applicants."""
    from hrflow.hiring import services
    from hrflow.hiring.models import SelectionRound
    from hrflow.policy import build_id_number

    if SelectionRound.objects.filter(title=DEMO_ROUND_TITLE).exists():
        return
    User = get_user_model()
    hr, leader = User.objects.get(username="hr"), User.objects.get(username="leader")
    today = clock.today()
    round = services.round_create(
        school=School.objects.get(unit__code="5101040002"),
        data={
            "title": DEMO_ROUND_TITLE,
            "procedure": "网上报名（或现场报名后由学校导入）→ 资格审查 → 笔试 → 面试 → 体检和考察 → 集体研究 → 公示7个工作日 → 聘用",
            "extra_criteria": "热爱学校后勤工作，服从安排。", "exam_weight": 40, "interview_weight": 60, "tie_break": "interview",
            "pay_and_treatment": "月基本工资3800元起，按规定缴纳社会保险和住房公积金，享受学校绩效工资。",
            "opens_on": today, "closes_on": today + timedelta(days=14), "reference_date": None,
        },
        posts=[
            {"title": "食堂厨师", "category": "canteen", "headcount": 2, "dorm_gender": "", "certificate": "", "employment_type": "contract", "term_months": 36},
            {"title": "女生公寓管理员", "category": "dormitory", "headcount": 1, "dorm_gender": "F", "certificate": "", "employment_type": "contract", "term_months": 36},
            {"title": "水电维修工", "category": "technical", "headcount": 1, "dorm_gender": "", "certificate": "电工证", "employment_type": "contract", "term_months": 36},
        ],
        acting_user=hr,
    )
    services.round_submit(round=round, acting_user=hr)
    services.round_approve(round=round, acting_user=leader, note="同意，按方案组织实施。")
    services.round_publish(round=round, acting_user=hr)
    posts = {p.category: p for p in round.posts.all()}
    for i, (name, birth, sex, education, category, extra) in enumerate([
        ("李强", date(1984, 3, 12), "M", "secondary_vocational", "canteen", {}),
        ("王芳", date(1990, 11, 2), "F", "senior_high", "canteen", {}),
        ("赵建华", date(1961, 6, 30), "M", "junior_high", "canteen", {}),
        ("陈秀英", date(1979, 8, 15), "F", "senior_high", "dormitory", {}),
        ("刘洋", date(1992, 1, 20), "M", "senior_high", "dormitory", {}),
        ("孙磊", date(1987, 4, 5), "M", "senior_high", "technical", {"certificates": ["电工证"]}),
    ]):
        services.application_submit(round=round, post=posts[category], data={
            "name": name, "id_number": build_id_number("510104", birth, 700 + i * 2 + (1 if sex == "M" else 0)),
            "gender": sex, "phone": f"1390000{i:04d}", "education": education, "certificates": [], "cadre": False,
            "criminal_record": False, "infectious_disease": False, "mental_illness_history": False, **extra,
        })


DEMO_CYCLE_NAME = "2026年度考核（演示）"


def _demo_exit():
    """A resignation at 七中 awaiting the leader's decision, so that the exit workflow has a step to take."""
    from hrflow.exits import services
    from hrflow.exits.models import ExitCase

    if ExitCase.objects.filter(staff__school__unit__code="5101040002").exists():
        return
    staff = (Staff.objects.filter(school__unit__code="5101040002", status="active", employment_type="contract", person__user__isnull=True)
             .order_by("-id").first())
    if staff is None:
        return
    services.case_open(staff=staff, ground="resignation", acting_user=get_user_model().objects.get(username="hr"),
                       evidence="本人因家庭原因递交书面辞职申请，请求解除劳动合同。", notice_given_on=clock.today())


def _demo_appraisal():
    """An annual appraisal at 七中 with self-evaluation open, its committee and a pay table rate, so
    that staff, HR and the leader each have their step to take."""
    from decimal import Decimal

    from hrflow.appraisal import pay, services
    from hrflow.appraisal.models import Committee, Cycle

    if Cycle.objects.filter(name=DEMO_CYCLE_NAME).exists():
        return
    User = get_user_model()
    hr = User.objects.get(username="hr")
    school = School.objects.get(unit__code="5101040002")
    cycle = services.cycle_create(unit=school.unit, name=DEMO_CYCLE_NAME, kind="annual", period_start=date(2026, 1, 1),
                                  period_end=date(2026, 12, 31), config=services.CycleSettings.defaults(), acting_user=hr)
    if not Committee.objects.filter(school=school).exists():
        me = Staff.objects.filter(person__user__username="staff").first()
        members = [s for s in Staff.objects.filter(school=school, status="active").exclude(pk=getattr(me, "pk", None)).order_by("id")[:2]]
        for staff, rep in ([(me, True)] if me else []) + [(s, False) for s in members]:
            services.committee_add(school=school, staff=staff, staff_rep=rep, acting_user=hr)
    pay.rate_save(school=school, post_category="", title="", education="", monthly=Decimal("800.00"), acting_user=hr)
    services.cycle_open(cycle=cycle, acting_user=hr)


def _apply_quirks(school, quirks, user, reason):
    """Deliberate gaps so the compliance pages have findings to show."""
    if quirks.get("no_food_safety_manager"):
        for staff in school.staff.filter(food_safety_manager=True):
            staff.food_safety_manager = False
            staff._history_user, staff._change_reason = user, reason
            staff.save()
    if quirks.get("male_in_female_dorm"):
        female_dorm = school.dormitories.filter(residents_gender="F").first()
        man = school.staff.filter(person__sex="M", post_category="dormitory").first() or school.staff.filter(person__sex="M").first()
        if female_dorm and man:
            man.post_category = "dormitory"
            man.dormitory = female_dorm
            man._history_user, man._change_reason = user, reason
            man.save()


def _login(username, full_name, role, unit, acting_user, reason):
    """A login with the demo password holding `role` over `unit`; what exists is kept."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if created or not user.has_usable_password():
        user.first_name = full_name
        user.email = f"{username}@example.edu.cn"  # mails go to the console under `make run`
        user.set_password(DEMO_PASSWORD)
        user.save()
    if not RoleAssignment.objects.filter(user=user, role=role, unit=unit).exists():
        assignment = RoleAssignment(user=user, role=role, unit=unit)
        assignment._history_user, assignment._change_reason = acting_user, reason
        assignment.save()
    return user


def _demo_users(acting_user, reason):
    User = get_user_model()
    for username, full_name, role, unit_code in DEMO_USERS:
        unit = OrgUnit.objects.get(code=unit_code)
        user = _login(username, full_name, role, unit, acting_user, reason)
        if role == Role.STAFF and not hasattr(user, "person"):
            staff = Staff.objects.filter(school__unit=unit, person__user__isnull=True).select_related("person").order_by("id").first()
            if staff:
                staff.person.user = user
                staff.person.name = full_name
                staff.person._history_user, staff.person._change_reason = acting_user, reason
                staff.person.save()
    admin, created = User.objects.get_or_create(username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "系统管理员"})
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()


def demo_logins():
    return [(u, f"{Role(role).label} · {name}") for u, name, role, _code in DEMO_USERS] + [("admin", "superuser")]


# Province-sized data: 200,000 staff at scale 1.0 in 21 cities, like Sichuan's 21 市州.
STAFF_PER_SCHOOL = 40
SCHOOLS_PER_COUNTY = 30
MAX_CITIES = 21


@transaction.atomic
def generate_province(*, scale: float, user, seed: int = 2021, code: str = "G51") -> dict:
    """A synthetic province under its own code (so it never mixes with the demo city)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    if OrgUnit.objects.filter(code=code).exists():
        raise ValueError(f"unit {code} already exists; use another --code or a fresh database")
    reason = _("Scale data (scale %(scale)s, seed %(seed)s)") % {"scale": scale, "seed": seed}
    rng = np.random.default_rng(seed)
    staff_total = max(1, round(200_000 * scale))
    n_schools = max(1, staff_total // STAFF_PER_SCHOOL)
    n_counties = max(1, -(-n_schools // SCHOOLS_PER_COUNTY))
    n_cities = max(1, min(MAX_CITIES, -(-n_counties // 9)))

    province = _unit(OrgUnit.Kind.PROVINCE, code, "模拟省", None, user, reason)
    cities = [OrgUnit(kind=OrgUnit.Kind.CITY, code=f"{code}{c:02d}", name=f"模拟市{c:02d}", parent=province) for c in range(1, n_cities + 1)]
    cities = _bulk_units(cities, user, reason)
    counties = [
        OrgUnit(kind=OrgUnit.Kind.COUNTY, code=f"{cities[k % n_cities].code}{k:03d}", name=f"模拟区县{k:03d}", parent=cities[k % n_cities])
        for k in range(n_counties)
    ]
    counties = _bulk_units(counties, user, reason)
    school_units = [
        OrgUnit(kind=OrgUnit.Kind.SCHOOL, code=f"{counties[s % n_counties].code}S{s:05d}", name=f"模拟学校{s:05d}", parent=counties[s % n_counties])
        for s in range(n_schools)
    ]
    school_units = _bulk_units(school_units, user, reason)
    levels = weighted_choice(rng, {"primary": 0.55, "secondary": 0.38, "higher": 0.07}, n_schools)
    diners = rng.integers(200, 4000, n_schools)
    schools = bulk_create_with_history(
        [School(unit=u, level=str(lv), diners=int(d)) for u, lv, d in zip(school_units, levels, diners)],
        School, batch_size=5000, default_user=user, default_change_reason=reason,
    )
    schools = list(School.objects.filter(unit__in=school_units).order_by("unit__path"))
    boarding = rng.random(n_schools) < 0.5
    dorm_rows = []
    for school, boards in zip(schools, boarding):
        if boards:
            dorm_rows.append(Dormitory(school=school, name="女生宿舍", residents_gender="F", boarders=int(rng.integers(50, 1500))))
            dorm_rows.append(Dormitory(school=school, name="男生宿舍", residents_gender="M", boarders=int(rng.integers(50, 1500))))
    bulk_create_with_history(dorm_rows, Dormitory, batch_size=5000, default_user=user, default_change_reason=reason)
    dorms_by_school = {}
    for dorm in Dormitory.objects.filter(school__in=schools):
        dorms_by_school.setdefault(dorm.school_id, []).append(dorm)
    per_school = np.full(n_schools, staff_total // n_schools)
    per_school[: staff_total - per_school.sum()] += 1
    created = bulk_staff(
        rng, schools=schools, per_school=per_school.tolist(), user=user, reason=reason,
        region_codes=["510603", "511002", "511302", "513401", "510722", "511602", "513222"],
        start_index=0, dormitories_by_school=dorms_by_school,
    )
    records = bulk_records(rng, school_ids=[s.pk for s in schools], as_of=clock.today(), user=user, reason=reason)
    return {**records, "cities": n_cities, "counties": n_counties, "schools": n_schools, "dormitories": len(dorm_rows), "staff": created, "reason": reason}


# Logins at every level of a generated province: (username, full name, role, level), the
# school-level ones at the first school of the first county of the first city.
SCALE_USERS = [
    ("scale_bureau", "郑国华", Role.BUREAU_OFFICER, OrgUnit.Kind.PROVINCE),
    ("scale_auditor", "许文静", Role.AUDITOR, OrgUnit.Kind.PROVINCE),
    ("scale_city", "韩建军", Role.BUREAU_OFFICER, OrgUnit.Kind.CITY),
    ("scale_county", "冯丽", Role.BUREAU_OFFICER, OrgUnit.Kind.COUNTY),
    ("scale_hr", "曹秀英", Role.HR_OFFICER, OrgUnit.Kind.SCHOOL),
    ("scale_leader", "彭志强", Role.SCHOOL_LEADER, OrgUnit.Kind.SCHOOL),
]


@transaction.atomic
def province_logins(*, code: str, user) -> list[tuple[str, str]]:
    """Create (or keep) the SCALE_USERS of the generated province `code`; return
    (username, "role · name · scope") like demo_logins. Raises ValueError if it does not exist."""
    province = OrgUnit.objects.filter(code=code, kind=OrgUnit.Kind.PROVINCE).first()
    if province is None:
        raise ValueError(_("Province %(code)s does not exist: generate it first (seed_scale without --logins-only).") % {"code": code})
    units = {OrgUnit.Kind.PROVINCE: province}
    parent = province
    for kind in (OrgUnit.Kind.CITY, OrgUnit.Kind.COUNTY, OrgUnit.Kind.SCHOOL):
        parent = units[kind] = OrgUnit.objects.filter(kind=kind, path__startswith=parent.path).order_by("path").first()
        if parent is None:
            raise ValueError(_("Province %(code)s has no %(kind)s.") % {"code": code, "kind": OrgUnit.Kind(kind).label})
    reason = _("Scale data logins")
    logins = []
    for username, full_name, role, kind in SCALE_USERS:
        _login(username, full_name, role, units[kind], user, reason)
        logins.append((username, f"{Role(role).label} · {full_name} · {units[kind].name}"))
    return logins


def _bulk_units(units, user, reason):
    for unit in units:
        unit.path = OrgUnit.compute_path(unit.parent, unit.code)
    bulk_create_with_history(units, OrgUnit, batch_size=5000, default_user=user, default_change_reason=reason)
    return list(OrgUnit.objects.filter(code__in=[u.code for u in units]).order_by("path"))
