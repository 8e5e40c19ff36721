"""Every page of the URL table, as every role, in Chromium: no untranslated word, no console
error, no 4xx/5xx the table does not expect (the page itself or anything it loads).

The URL table and its objects come from tests/test_permissions.py; rounds in several states
(announced, screening, assessing, in review, in publicity with an objection, closed, ended)
give the object pages content. Screenshots: var/screenshots/walk-<role>-<page>.png.
"""

import contextlib
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from hrflow.core import clock
from hrflow.hiring import services
from hrflow.hiring.models import Application, Finding, Objection, SelectionRound
from hrflow.org.models import School
from hrflow.people.models import Staff
from tests.audit.rounds import build_round
from tests.conftest import SCHOOL_HR
from tests.export_jobs import finished_export, notification_for
from tests.test_permissions import (
    EXPECTED, PROJECT_URLS, ROLES, appraisal_objects, concrete, contract_and_training_objects, exit_objects, roster_import_for,
)

from .conftest import shoot

pytestmark = pytest.mark.browser

# Latin words a Chinese page may show, each for a reason. Everything else in Latin letters is
# an untranslated string. Kept short on purpose: a new entry needs a reason.
ALLOWED_WORDS = {
    "HRflow",  # the product's name
    "English",  # the language switch names each language in itself
    "xlsx", "Excel",  # file format and program named on import/export buttons
    "MB", "MiB",  # units of the upload size limits (MiB as the refusal words it)
}
ALLOWED_PATTERNS = [
    re.compile(r"^[A-Z]+(?:-[A-Z0-9]+)+$"),  # rule codes of POLICY.md: ELIG-AGE-M, STAFF-DORM-K12
    re.compile(r"^[2-9A-HJ-NP-Z]{10}$"),  # application codes (hiring.models.CODE_ALPHABET)
]
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_'’.-]*[A-Za-z0-9]")

# Visible text of the page: text nodes that are rendered, without icon ligatures
# ("inbox", "account_balance" are Material icon names, drawn as pictures), plus what a
# reader sees in attributes (placeholders, tooltips, button values) and the window title.
VISIBLE_TEXT = """() => {
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('script, style, noscript, template, .material-icons, [class*="material-icons"]')) continue;
    if (el.checkVisibility && !el.checkVisibility()) continue;
    const text = node.textContent.trim();
    if (text) parts.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], input[type=submit][value], input[type=button][value]')) {
    if (el.checkVisibility && !el.checkVisibility()) continue;
    for (const attr of ['placeholder', 'title', 'value']) {
      if (attr === 'value' && !['submit', 'button'].includes(el.type)) continue;
      if (el.getAttribute(attr)) parts.push(el.getAttribute(attr));
    }
  }
  return parts.join('\\n');
}"""

DOWNLOADS = {"hiring:import_template", "exports:download", "training:course_attendance_template", "training:certificate_template",
             "rosters:template"}
NOT_PAGES = {"javascript-catalog", "favicon", "ping", "org:school_search"}  # a script, an icon, the bench floor, JSON: not pages
# Stage -> the round's title (seed data in Chinese, as a school would write it).
STAGES = {"open": "报名中", "screening": "资格审查", "assessing": "考试面试", "reviewing": "待集体研究",
          "publicity": "公示中", "closed": "已结束", "ended": "提前终止"}
START = date(2026, 11, 2)
WALK_DAY = date(2026, 11, 5)  # the walk happens while the announced round takes applications


def untranslated(text: str) -> list[str]:
    words = []
    for token in TOKEN.findall(text):
        if len(re.findall(r"[A-Za-z]", token)) < 2:
            continue  # numbers, dates, an ID number's final X
        if token in ALLOWED_WORDS or any(p.match(token) for p in ALLOWED_PATTERNS):
            continue
        words.append(token)
    return words


@pytest.fixture
def rounds(demo_site, monkeypatch):
    """Rounds at the HR officer's school in each state, built through the services."""
    day = {"value": START}
    monkeypatch.setattr(clock, "today", lambda: day["value"])
    User = get_user_model()
    users = {name: User.objects.get(username=name) for name in ("hr", "leader")}
    school = School.objects.get(unit__code=SCHOOL_HR)
    built = {}
    for stage, label in STAGES.items():
        round = build_round(
            school=school, users=users, title=f"2026年七中后勤遴选（{label}）", stage="hiring" if stage == "ended" else stage,
            start=START, set_today=lambda value: day.update(value=value), on_commit=contextlib.nullcontext,
        )
        if stage == "ended":
            round = services.round_end(round=round, reason="经费调整，本轮遴选终止", acting_user=users["hr"])
        built[stage] = SelectionRound.objects.get(pk=round.pk)
    day["value"] = WALK_DAY
    return built


def table_objects(rounds):
    """The objects the URL table takes (tests/test_permissions.py `objects`), from the rounds."""
    school = School.objects.get(unit__code=SCHOOL_HR)
    in_publicity = rounds["publicity"]
    application = in_publicity.applications.filter(state=Application.State.APPROVED).order_by("id").first()
    finding = Finding.objects.filter(application__round=rounds["screening"], hard=False).order_by("id").first()
    objection = Objection.objects.filter(publicity__round=in_publicity).order_by("id").first()
    staff = Staff.objects.filter(school=school, status="active", person__user__isnull=True).order_by("id").first()
    return {
        "org:school_detail": school.pk, "people:": staff.pk, "hiring:application_": application.pk,
        "hiring:examination": application.pk, "hiring:hire": application.pk, "hiring:finding_override": finding.pk,
        "hiring:objection_resolve": objection.pk, "hiring:": in_publicity.pk, "jobs:publicity": in_publicity.pk,
        "jobs:": rounds["open"].pk, "exports:": finished_export(get_user_model().objects.get(username="hr")).pk,
        "notifications:": notification_for(get_user_model().objects.get(username="hr")).pk,
        **contract_and_training_objects(school, staff, get_user_model().objects.get(username="hr")),
        "rosters:": roster_import_for(get_user_model().objects.get(username="hr"), school.unit).pk, "unit": school.unit.pk,
        **appraisal_objects(school, get_user_model().objects.get(username="hr")),
        **exit_objects(staff, get_user_model().objects.get(username="hr")),
    }


def expected_status(role, name):
    allowed, ok = EXPECTED[name]
    if role not in allowed:
        return 302 if role == "anonymous" else 403
    if name == "login" and role != "anonymous":
        return 302
    return ok


def visits(rounds, objects):
    """(url name, url, expected status) for the URL table, then every round's own pages."""
    for route, name in PROJECT_URLS:
        if EXPECTED[name] is None or EXPECTED[name][1] == 405 or name in NOT_PAGES:
            continue  # POST-only: nothing to read on a GET
        url = concrete(route, name, objects) if "<" in route else "/" + route
        yield name, url
    for stage, round in rounds.items():
        yield "hiring:round_detail", f"/hiring/rounds/{round.pk}/"
        yield "hiring:timeline", f"/hiring/rounds/{round.pk}/timeline/"
        for application in round.applications.order_by("id")[:2]:
            yield "hiring:application_detail", f"/hiring/applications/{application.pk}/"


class Recorder:
    """Console errors and failed responses of one page, by URL."""

    def __init__(self, page):
        self.errors, self.failed = [], []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: r.status >= 400 and self.failed.append((r.status, r.url, r.request.resource_type)))

    def reset(self):
        self.errors.clear()
        self.failed.clear()


def test_every_page_as_every_role(rounds, open_as, demo_site):
    """One walk for all roles: the demo and the rounds are seeded once (a few minutes in all)."""
    objects = table_objects(rounds)
    problems = []
    for role in ROLES:
        page = open_as(None if role == "anonymous" else role)
        problems += [f"{role}: {p}" for p in walk(page, role, rounds, objects, demo_site)]
        page.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def walk(page, role, rounds, objects, demo_site):
    recorder = Recorder(page)
    problems, seen = [], set()
    for name, url in visits(rounds, objects):
        expected = expected_status(role, name)
        if name in DOWNLOADS:
            status = page.request.get(demo_site + url, max_redirects=0).status
            if status != expected:
                problems.append(f"{url}: {status}, expected {expected}")
            continue
        recorder.reset()
        response = page.goto(demo_site + url, wait_until="load")
        first = response.request.redirected_from or response.request
        while first.redirected_from is not None:
            first = first.redirected_from
        status = first.response().status if first is not response.request else response.status
        if status != expected:
            problems.append(f"{url} ({name}): {status}, expected {expected}")
        for code, failed_url, kind in recorder.failed:
            is_page = failed_url.rstrip("/") == (demo_site + url).rstrip("/") and kind == "document"
            if not (is_page and code == expected):
                problems.append(f"{url}: {kind} {failed_url} answered {code}")
        for error in recorder.errors:
            # The browser reports the expected 403 of the page itself as a failed load.
            if expected >= 400 and f"status of {expected}" in error:
                continue
            problems.append(f"{url}: console error: {error}")
        words = untranslated(page.evaluate(VISIBLE_TEXT))
        if words:
            problems.append(f"{url}: untranslated {sorted(set(words))[:12]}")
        shot = f"walk-{role}-{name.replace(':', '-')}"
        if shot not in seen:
            seen.add(shot)
            shoot(page, shot)
    return problems
