from datetime import date

import pytest

from hrflow.policy import build_id_number


def make_applicant(*, birth=date(1990, 1, 1), gender="M", education="bachelor", region="510104", **overrides):
    sequence = 123 if gender == "M" else 124
    applicant = {
        "id_number": build_id_number(region, birth, sequence),
        "gender": gender,
        "education": education,
        "certificates": [],
        "cadre": False,
        "criminal_record": False,
        "infectious_disease": False,
        "mental_illness_history": False,
    }
    applicant.update(overrides)
    return applicant


@pytest.fixture
def applicant():
    return make_applicant
