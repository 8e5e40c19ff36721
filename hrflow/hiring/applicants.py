"""One validation path for an applicant's fields: the public online form and the xlsx import
both go through `validate_applicant`, so a row the form refuses is refused in the file too.

Impossible input is refused where it enters (issue 7, LAW-MIN-AGE in POLICY.md: a birth date
after today is not a person who can apply); whether an applicant is old enough is screening's
question, not this module's.
"""

import re
import unicodedata
from datetime import date

from django.utils.translation import gettext as _

from hrflow.people.models import Education
from hrflow.policy import PolicyInputError, parse_id_number

NAME_MAX = 100
PHONE_MAX = 32
CERTIFICATE_MAX = 100
CERTIFICATES_MAX = 20
ATTESTATIONS = ("cadre", "criminal_record", "infectious_disease", "mental_illness_history")
FIELDS = ("name", "id_number", "gender", "phone", "education", "certificates") + ATTESTATIONS

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

# Mobile: 1[3-9] and 9 digits. Landline: area code 0 + 2-3 digits and a 7-8 digit number, or
# the local number alone. With +86 / 0086 the area code drops its leading 0.
_MOBILE = r"1[3-9]\d{9}"
_NATIONAL = re.compile(rf"{_MOBILE}|0\d{{2,3}}[2-9]\d{{6,7}}|[2-9]\d{{6,7}}")
_INTERNATIONAL = re.compile(rf"{_MOBILE}|[1-9]\d{{1,2}}[2-9]\d{{6,7}}")
_PHONE_CHARACTERS = re.compile(r"[0-9+\- ()]+")


def split_certificates(text: str) -> list[str]:
    """Certificate names as written in one field: separated by commas (，、 or ,)."""
    parts = (text or "").replace("，", ",").replace("、", ",").split(",")
    return [p.strip() for p in parts if p.strip()]


def _text(value) -> str:
    """A cell or form value as text; a whole number typed into a spreadsheet stays a whole number."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _invisible(text: str) -> bool:
    # Control (Cc), format (Cf: zero-width, bidi overrides) and surrogate (Cs) characters
    # make a name that prints as another; no real name needs them.
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text)


def _yes_no(value):
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def _education_lookup() -> dict:
    lookup = dict(EDUCATION_ALIASES)
    for value, label in Education.choices:
        lookup[value] = value
        lookup[str(label)] = value
    return lookup


def translated(error: PolicyInputError) -> str:
    return _(error.template) % error.params if error.params else _(error.template)


def phone_is_plausible(text: str) -> bool:
    if not _PHONE_CHARACTERS.fullmatch(text):
        return False
    digits = re.sub(r"[\- ()]", "", text)
    if digits.startswith("+86"):
        return bool(_INTERNATIONAL.fullmatch(digits[3:]))
    if digits.startswith("0086"):
        return bool(_INTERNATIONAL.fullmatch(digits[4:]))
    return "+" not in digits and bool(_NATIONAL.fullmatch(digits))


def validate_applicant(raw: dict, *, today: date, phone_required: bool = True) -> tuple[dict, dict[str, str]]:
    """`raw` holds the fields of FIELDS as typed values (the form) or as cell values (the
    import: 男/女, 是/否, education labels, certificates as one text). Returns the clean
    fields (with `birth_date` derived from the ID number) and a message per field at fault."""
    clean, errors = {}, {}

    name = _text(raw.get("name"))
    if not name:
        errors["name"] = _("The name is missing.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("The name has %(length)d characters; at most %(max)d are allowed.") % {"length": len(name), "max": NAME_MAX}
    elif _invisible(name):
        errors["name"] = _("The name contains control or invisible characters.")
    clean["name"] = name

    raw_id = raw.get("id_number")
    identity = None
    if isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool):
        # A spreadsheet stored the number as a number: the last digits are already lost.
        errors["id_number"] = _("The ID number is a number in the file; format the column as text.")
    else:
        try:
            identity = parse_id_number(_text(raw_id))
        except PolicyInputError as error:
            errors["id_number"] = translated(error)
    if identity is not None:
        if identity.birth_date > today:
            # LAW-MIN-AGE: a birth date after today is impossible input, refused where it enters.
            errors["id_number"] = _("The ID number gives a birth date after today (%(date)s); check the number.") % {
                "date": identity.birth_date.isoformat()}
            identity = None
        else:
            clean.update(id_number=identity.number, birth_date=identity.birth_date)

    gender_text = _text(raw.get("gender"))
    gender = gender_text if gender_text in ("M", "F") else GENDERS.get(gender_text.lower())
    if gender is None:
        errors["gender"] = _("Gender must be 男 or 女.")
    elif identity is not None and identity.sex != gender:
        errors["gender"] = _("The gender %(declared)s contradicts the ID number, which says %(actual)s.") % {
            "declared": GENDER_LABEL[gender], "actual": GENDER_LABEL[identity.sex]}
    clean["gender"] = gender

    phone = _text(raw.get("phone"))
    if not phone:
        if phone_required:
            errors["phone"] = _("The phone number is missing.")
    elif len(phone) > PHONE_MAX:
        errors["phone"] = _("The phone number has %(length)d characters; at most %(max)d are allowed.") % {
            "length": len(phone), "max": PHONE_MAX}
    elif not phone_is_plausible(phone):
        errors["phone"] = _("“%(value)s” is not a phone number: write a mobile number (11 digits starting with 1) or a landline with its area code.") % {
            "value": phone}
    clean["phone"] = phone

    education_text = _text(raw.get("education"))
    education = _education_lookup().get(education_text)
    if education is None:
        errors["education"] = _("Unknown education level “%(value)s”.") % {"value": education_text[:NAME_MAX]}
    clean["education"] = education

    certificates = raw.get("certificates")
    if not isinstance(certificates, (list, tuple)):
        certificates = split_certificates(_text(certificates))
    certificates = [_text(c) for c in certificates if _text(c)]
    if len(certificates) > CERTIFICATES_MAX:
        errors["certificates"] = _("%(count)d certificates are listed; at most %(max)d are allowed.") % {
            "count": len(certificates), "max": CERTIFICATES_MAX}
    elif any(len(c) > CERTIFICATE_MAX for c in certificates):
        errors["certificates"] = _("A certificate name has more than %(max)d characters.") % {"max": CERTIFICATE_MAX}
    elif any(_invisible(c) for c in certificates):
        errors["certificates"] = _("A certificate name contains control or invisible characters.")
    clean["certificates"] = certificates

    for field in ATTESTATIONS:
        value = _yes_no(raw.get(field))
        if value is None:
            errors[field] = _("Write 是 or 否.")
        clean[field] = value
    return clean, errors
