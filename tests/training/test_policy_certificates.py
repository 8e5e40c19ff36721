"""The requirement check as a pure function: canteen staff need a valid health certificate
(LAW-FOOD-HEALTH, 食品安全法 art. 45), a technical post its recorded certificate (ELIG-CERT-TECH)."""

from datetime import date

import pytest

from hrflow.policy import certificates as policy
from hrflow.policy.certificates import HeldCertificate, check_certificates

AS_OF = date(2026, 6, 1)


def test_canteen_staff_without_a_health_certificate_is_missing_it():
    [finding] = check_certificates(post_category="canteen", held=[], as_of=AS_OF)
    assert (finding.rule, finding.status, finding.kind, finding.source, finding.clause) == (
        "LAW-FOOD-HEALTH", "missing", "health", "《食品安全法》", "第四十五条")
    assert finding.hard


def test_canteen_staff_with_an_expired_health_certificate():
    [finding] = check_certificates(post_category="canteen", held=[HeldCertificate("health", date(2026, 5, 31))], as_of=AS_OF)
    assert (finding.status, finding.valid_until) == ("expired", date(2026, 5, 31))


@pytest.mark.parametrize("valid_until, expected", [
    (date(2026, 6, 1), "expiring"),  # its last day is today: still valid, expiring
    (date(2026, 7, 1), "expiring"),  # the 30th day: 以内 includes it
    (date(2026, 7, 2), None),  # the 31st day
    (None, None),  # no expiry
])
def test_health_certificate_warning_window(valid_until, expected):
    findings = check_certificates(post_category="canteen", held=[HeldCertificate("health", valid_until)], as_of=AS_OF)
    assert [f.status for f in findings] == ([expected] if expected else [])


def test_the_longest_lasting_certificate_counts():
    held = [HeldCertificate("health", date(2025, 1, 1)), HeldCertificate("health", date(2027, 1, 1))]
    assert check_certificates(post_category="canteen", held=held, as_of=AS_OF) == []


def test_technical_post_without_its_certificate():
    [finding] = check_certificates(post_category="technical", required=[("electrician", "")], held=[HeldCertificate("cook", None)], as_of=AS_OF)
    assert (finding.rule, finding.status, finding.kind, finding.clause) == ("ELIG-CERT-TECH", "missing", "electrician", "三(三)")


def test_technical_post_with_an_expired_certificate():
    [finding] = check_certificates(post_category="technical", required=[("boiler_operator", "")],
                                   held=[HeldCertificate("boiler_operator", date(2026, 1, 1))], as_of=AS_OF)
    assert finding.status == "expired"


def test_other_certificates_match_by_name_without_case_or_spaces():
    held = [HeldCertificate("other", None, name="Ｃ1 驾驶证".replace("Ｃ", "c"))]
    assert check_certificates(post_category="technical", required=[("other", "C1驾驶证")], held=held, as_of=AS_OF) == []
    [finding] = check_certificates(post_category="technical", required=[("other", "叉车证")], held=held, as_of=AS_OF)
    assert finding.params["certificate"] == "叉车证"


def test_a_post_without_requirements_needs_nothing():
    assert check_certificates(post_category="greening", held=[], as_of=AS_OF) == []


def test_canteen_and_recorded_requirements_add_up():
    findings = check_certificates(post_category="canteen", required=[("cook", "")], held=[], as_of=AS_OF)
    assert [(f.rule, f.kind) for f in findings] == [("LAW-FOOD-HEALTH", "health"), ("ELIG-CERT-TECH", "cook")]


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        check_certificates(post_category="canteen", held=[], as_of=AS_OF, warn_days=-1)
    with pytest.raises(ValueError):
        check_certificates(post_category="technical", required=[("nosuch", "")], held=[], as_of=AS_OF)


def test_status_of_one_certificate():
    assert policy.certificate_status(None, AS_OF) == "valid"
    assert policy.certificate_status(date(2026, 5, 31), AS_OF) == "expired"
    assert policy.certificate_status(date(2026, 6, 10), AS_OF, warn_days=5) == "valid"
