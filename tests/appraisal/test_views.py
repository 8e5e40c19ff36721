"""The appraisal pages: thin views over the services, each refusal a message, never a 500."""

from decimal import Decimal

import pytest

from hrflow.appraisal import services
from hrflow.appraisal.models import Appraisal, SchoolCycle

from .test_services import rate_all, self_all


@pytest.fixture
def leader_phase(cycle, user):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    self_all(cycle)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    rate_all(cycle)
    services.cycle_close_peer(cycle=cycle, acting_user=hr)
    return SchoolCycle.objects.get(cycle=cycle)


def test_the_leader_scores_a_page_of_staff(leader_phase, login):
    rows = list(Appraisal.objects.filter(cycle=leader_phase.cycle))
    ids = [a.pk for a in rows]
    client = login("leader")
    # A form without the versions its page carries is taken as stale: nothing is written.
    client.post(f"/appraisal/schools/{leader_phase.pk}/leader-scores/", {f"score-{pk}": "88.5" for pk in ids}, follow=True)
    assert set(Appraisal.objects.filter(pk__in=ids).values_list("leader_score", flat=True)) == {None}
    data = {f"score-{a.pk}": "88.5" for a in rows} | {f"version-{a.pk}": services.leader_version(a) for a in rows}
    response = client.post(f"/appraisal/schools/{leader_phase.pk}/leader-scores/", data, follow=True)
    assert response.status_code == 200
    assert set(Appraisal.objects.filter(pk__in=ids).values_list("leader_score", flat=True)) == {Decimal("88.50")}


@pytest.mark.parametrize("bad", ["101", "-3", "NaN", "1e2", "9" * 400, "八十"])
def test_a_bad_leader_score_names_the_person_and_saves_nothing(leader_phase, login, bad):
    rows = list(Appraisal.objects.filter(cycle=leader_phase.cycle).order_by("pk"))
    ids = [a.pk for a in rows]
    data = {f"score-{pk}": "80" for pk in ids} | {f"version-{a.pk}": services.leader_version(a) for a in rows}
    data[f"score-{ids[-1]}"] = bad
    response = login("leader").post(f"/appraisal/schools/{leader_phase.pk}/leader-scores/", data, follow=True)
    assert response.status_code == 200
    name = Appraisal.objects.get(pk=ids[-1]).staff.person.name
    assert name in response.content.decode()
    assert not Appraisal.objects.filter(pk__in=ids, leader_score__isnull=False).exists()


def test_another_schools_leader_cannot_score(leader_phase, login, user):
    ids = list(Appraisal.objects.filter(cycle=leader_phase.cycle).values_list("pk", flat=True))
    response = login("hr2").post(f"/appraisal/schools/{leader_phase.pk}/leader-scores/", {f"score-{ids[0]}": "90"})
    assert response.status_code == 403
    assert not Appraisal.objects.filter(pk__in=ids, leader_score__isnull=False).exists()
