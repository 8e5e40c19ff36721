"""An applicant's fields: the public online form and the xlsx import both go through
`validate_applicant`, so a row the form refuses is refused in the file too. The person's own fields
are checked by hrflow.people.validation, the path the staff roster import shares; whether an
applicant is old enough is screening's question, not this module's.
"""

from datetime import date

from django.utils.translation import gettext as _

# NAME_MAX and PHONE_MAX stay importable from here for hiring.forms, which sizes its inputs by them.
from hrflow.core.validators import NAME_MAX, PHONE_MAX  # noqa: F401
from hrflow.people.validation import (  # noqa: F401 (re-exported for hiring's forms and imports)
    CERTIFICATE_MAX, CERTIFICATES_MAX, GENDER_LABEL, PERSON_FIELDS, split_certificates, validate_person, yes_no,
)

ATTESTATIONS = ("cadre", "criminal_record", "infectious_disease", "mental_illness_history")
FIELDS = PERSON_FIELDS + ATTESTATIONS


def validate_applicant(raw: dict, *, today: date, phone_required: bool = True) -> tuple[dict, dict[str, str]]:
    """The person's fields (validate_person) and the attestations as 是/否."""
    clean, errors = validate_person(raw, today=today, phone_required=phone_required)
    for field in ATTESTATIONS:
        value = yes_no(raw.get(field))
        if value is None:
            errors[field] = _("Write 是 or 否.")
        clean[field] = value
    return clean, errors
