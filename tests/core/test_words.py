"""The words hrflow.core shows for coded values without importing the apps that own them."""

from django.template import Context, Template
from django.utils import translation

from hrflow.core.templatetags.hrflow import finding_text
from hrflow.org import scope
from hrflow.org.models import Gender, Role
from hrflow.people.models import Education
from hrflow.policy.words import EDUCATION_WORDS, GENDER_WORDS


def test_policy_words_are_the_models_message_ids():
    # The same message ids, so one translation serves the finding and the form.
    with translation.override("en"):
        assert EDUCATION_WORDS == {value: str(label) for value, label in Education.choices}
        assert GENDER_WORDS == {value: str(label) for value, label in Gender.choices}


def test_a_finding_names_education_and_gender_in_the_readers_language():
    text = "%(education)s / %(gender)s"
    with translation.override("zh-hans"):
        assert finding_text(text, {"education": "junior_high", "gender": "F"}) == f"{Education.JUNIOR_HIGH.label} / {Gender.FEMALE.label}"
    assert finding_text(text, {"education": "unknown", "gender": "X"}) == "unknown / X"


def test_a_grant_shows_its_role_in_words(user):
    grant = scope.grants(user("hr"))[0]
    assert grant.role == Role.HR_OFFICER == "hr_officer"
    with translation.override("zh-hans"):
        html = Template("{% load hrflow %}{{ role|role_label }}").render(Context({"role": grant.role}))
        assert html == str(Role.HR_OFFICER.label) != "hr_officer"
    assert Template("{% load hrflow %}{{ role|role_label }}").render(Context({"role": "gone"})) == "gone"
