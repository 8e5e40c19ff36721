"""Words for the coded values a finding's parameters carry ("junior_high", "F"), as message ids:
whoever shows a finding translates them (hrflow.core's finding text), with no model in sight.

They are the very message ids of people.Education and org.Gender, so one translation serves
both; tests/core/test_words.py holds the two together.
"""

from .i18n import gettext_noop as _
from .screening import EducationLevel

EDUCATION_WORDS: dict[str, str] = {
    EducationLevel.PRIMARY: _("Primary school"),
    EducationLevel.JUNIOR_HIGH: _("Junior high school"),
    EducationLevel.SENIOR_HIGH: _("Senior high school"),
    EducationLevel.SECONDARY_VOCATIONAL: _("Secondary vocational (中专/职高/技校)"),
    EducationLevel.ASSOCIATE: _("Associate degree (大专)"),
    EducationLevel.BACHELOR: _("Bachelor's degree"),
    EducationLevel.MASTER: _("Master's degree"),
    EducationLevel.DOCTORATE: _("Doctorate"),
}
GENDER_WORDS: dict[str, str] = {"M": _("Male"), "F": _("Female")}

# A finding parameter's name -> the words of its codes.
PARAM_WORDS: dict[str, dict[str, str]] = {
    "education": EDUCATION_WORDS, "required": EDUCATION_WORDS,
    "gender": GENDER_WORDS, "dorm_gender": GENDER_WORDS, "declared": GENDER_WORDS, "actual": GENDER_WORDS,
}
