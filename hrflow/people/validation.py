"""One validation path for a person's fields wherever they enter HRflow: the public application
form and the applicant import (hrflow.hiring.applicants), the staff roster import
(hrflow.rosters), and HR's staff forms share the name, phone and ID rules of hrflow.core.validators
and the cell readings here (男/女, 是/否, education labels, certificates as one text).

Impossible input is refused where it enters (LAW-MIN-AGE in POLICY.md: a birth date after today
is not a person who can work or apply).
"""

import functools
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hrflow.core.validators import NAME_MAX, invisible, name_problem, phone_problem, policy_message
from hrflow.people.models import Education
from hrflow.policy import PolicyInputError, parse_id_number

CERTIFICATE_MAX = 100
CERTIFICATES_MAX = 20
PERSON_FIELDS = ("name", "id_number", "gender", "phone", "education", "certificates")

YES = {"是", "有", "y", "yes", "true", "1"}
NO = {"否", "无", "n", "no", "false", "0"}
GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F"}
GENDER_LABEL = {"M": "男", "F": "女"}
EDUCATION_ALIASES = {
    "小学": "primary", "初中": "junior_high", "高中": "senior_high", "中专": "secondary_vocational",
    "职高": "secondary_vocational", "技校": "secondary_vocational", "中专/职高/技校": "secondary_vocational",
    "大专": "associate", "本科": "bachelor", "硕士": "master", "硕士研究生": "master", "博士": "doctorate",
    "博士研究生": "doctorate",
}


def split_certificates(text: str) -> list[str]:
    """Certificate names as written in one field: separated by commas (，、 or ,)."""
    parts = (text or "").replace("，", ",").replace("、", ",").split(",")
    return [p.strip() for p in parts if p.strip()]


def cell_text(value) -> str:
    """A cell or form value as text; a whole number typed into a spreadsheet stays a whole number."""
    if type(value) is str:  # nearly every cell: the checks below cost an import of 200,000 rows seconds
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, date):  # a date cell where text belongs: shown as the reader writes dates
        return date_format(value, "DATE_FORMAT")
    return str(value).strip()


def yes_no(value):
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def education_lookup() -> dict:
    """Education as written (the template's words, the labels in the reader's language, the codes) -> code."""
    return _education_lookup(get_language())


@functools.lru_cache(maxsize=8)
def _education_lookup(language) -> dict:
    # Built once per language: an import reads it for every row.
    lookup = dict(EDUCATION_ALIASES)
    for value, label in Education.choices:
        lookup[value] = value
        lookup[str(label)] = value
    return lookup


def validate_person(raw: dict, *, today: date, phone_required: bool = True) -> tuple[dict, dict[str, str]]:
    """`raw` holds the fields of PERSON_FIELDS as typed values (a form) or as cell values (an
    import: 男/女, education labels, certificates as one text). Returns the clean fields (with
    `birth_date` derived from the ID number) and a message per field at fault."""
    clean, errors = {}, {}

    name = cell_text(raw.get("name"))
    if problem := name_problem(name):
        errors["name"] = problem
    clean["name"] = name

    raw_id = raw.get("id_number")
    identity = None
    if isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool):
        # A spreadsheet stored the number as a number: the last digits are already lost.
        errors["id_number"] = _("The ID number is a number in the file; format the column as text.")
    else:
        try:
            identity = parse_id_number(cell_text(raw_id))
        except PolicyInputError as error:
            errors["id_number"] = policy_message(error)
    if identity is not None:
        if identity.birth_date > today:
            # LAW-MIN-AGE: a birth date after today is impossible input, refused where it enters.
            errors["id_number"] = _("The ID number gives a birth date after today (%(date)s); check the number.") % {
                "date": date_format(identity.birth_date, "DATE_FORMAT")}
            identity = None
        else:
            clean.update(id_number=identity.number, birth_date=identity.birth_date)

    gender_text = cell_text(raw.get("gender"))
    gender = gender_text if gender_text in ("M", "F") else GENDERS.get(gender_text.lower())
    if gender is None:
        errors["gender"] = _("Gender must be 男 or 女.")
    elif identity is not None and identity.sex != gender:
        errors["gender"] = _("The gender %(declared)s contradicts the ID number, which says %(actual)s.") % {
            "declared": GENDER_LABEL[gender], "actual": GENDER_LABEL[identity.sex]}
    clean["gender"] = gender

    phone = cell_text(raw.get("phone"))
    if not phone:
        if phone_required:
            errors["phone"] = _("The phone number is missing.")
    elif problem := phone_problem(phone):
        errors["phone"] = problem
    clean["phone"] = phone

    education_text = cell_text(raw.get("education"))
    education = education_lookup().get(education_text)
    if not education_text:
        errors["education"] = _("The education level is missing.")
    elif education is None:
        errors["education"] = _("Unknown education level “%(value)s”.") % {"value": education_text[:NAME_MAX]}
    clean["education"] = education

    certificates = raw.get("certificates")
    if not isinstance(certificates, (list, tuple)):
        certificates = split_certificates(cell_text(certificates))
    certificates = [text for text in map(cell_text, certificates) if text]
    if len(certificates) > CERTIFICATES_MAX:
        errors["certificates"] = _("%(count)d certificates are listed; at most %(max)d are allowed.") % {
            "count": len(certificates), "max": CERTIFICATES_MAX}
    elif any(len(c) > CERTIFICATE_MAX for c in certificates):
        errors["certificates"] = _("A certificate name has more than %(max)d characters.") % {"max": CERTIFICATE_MAX}
    elif any(invisible(c) for c in certificates):
        errors["certificates"] = _("A certificate name contains control or invisible characters.")
    clean["certificates"] = certificates

    return clean, errors
