"""Screening many applications at once, with the same rules as `screen()`.

One vectorised pass over a DataFrame instead of a Python call per applicant. The result is
the same findings `screen()` gives row by row (a property test holds the two together);
malformed rows are collected and reported together, each with its key and field.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .catalogue import RULES
from .errors import PolicyInputError
from .i18n import gettext_noop as _
from .identity import EARLIEST_BIRTH_YEAR
from .screening import (
    AGE_LIMITS,
    ATTESTATIONS,
    EDUCATION_RANK,
    EDUCATION_REQUIREMENT,
    GENDERS,
    MIN_WORKING_AGE,
    PostCategory,
    _normalise_certificate,
)

# ISO 7064 MOD 11-2 weights of the first 17 digits, and the check character per remainder.
_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_CHECK = np.array(list("10X98765432"))

FINDING_COLUMNS = ["key", "rule", "clause", "hard", "template", "params"]


@dataclass(frozen=True)
class RowError:
    key: object
    field: str
    template: str
    params: dict

    @property
    def message(self):
        return self.template % self.params if self.params else self.template


class BulkInputError(PolicyInputError):
    """Some rows cannot be screened; `errors` lists every one of them."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(_("%(count)d rows cannot be screened."), {"count": len(errors)})


def _identity_columns(numbers: pd.Series):
    """(valid mask, birth dates as datetime64[D], sex array) for a Series of ID numbers."""
    s = numbers.fillna("").astype(str).str.replace(r"[\s-]", "", regex=True).str.upper()
    shaped = s.str.fullmatch(r"[0-9]{17}[0-9X]").to_numpy(dtype=bool)
    n = len(s)
    digits = np.zeros((n, 17), dtype=np.int64)
    if shaped.any():
        body = np.frombuffer("".join(s[shaped].str[:17]).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - 48
        digits[shaped] = body
    check_ok = shaped.copy()
    if shaped.any():
        expected = _CHECK[(digits[shaped] @ _WEIGHTS) % 11]
        check_ok[shaped] = expected == s[shaped].str[17].to_numpy()
    births = pd.to_datetime(s.str[6:14].where(check_ok, ""), format="%Y%m%d", errors="coerce")
    birth_ok = births.notna().to_numpy() & (births.dt.year.fillna(0).to_numpy() >= EARLIEST_BIRTH_YEAR)
    sex = np.where(digits[:, 16] % 2 == 1, "M", "F")
    return s, shaped, check_ok, birth_ok, births.to_numpy(dtype="datetime64[D]"), sex


def ages_on(births: np.ndarray, as_of: date) -> np.ndarray:
    """Full years on `as_of` for an array of datetime64[D] birth dates (29 Feb → 28 Feb)."""
    b = pd.DatetimeIndex(births)
    years = as_of.year - b.year.to_numpy()
    month, day = b.month.to_numpy(), b.day.to_numpy()
    leap = (as_of.year % 4 == 0 and as_of.year % 100 != 0) or as_of.year % 400 == 0
    if not leap:
        day = np.where((month == 2) & (day == 29), 28, day)
    before = (as_of.month < month) | ((as_of.month == month) & (as_of.day < day))
    return years - before.astype(np.int64)


def screen_frame(applicants: pd.DataFrame, posts: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Every failing rule of every applicant, as rows of FINDING_COLUMNS.

    `applicants`: key, post_id, id_number, gender, education, certificates (list), cadre,
    criminal_record, infectious_disease, mental_illness_history.
    `posts`: post_id, category, dorm_gender, certificate.
    Raises BulkInputError listing every malformed row.
    """
    a = applicants.reset_index(drop=True)
    keys = a["key"].to_numpy()
    errors: list[RowError] = []

    def refuse(mask, field, template, params_of=lambda i: {}):
        for i in np.flatnonzero(mask):
            errors.append(RowError(keys[i], field, template, params_of(i)))

    numbers, shaped, check_ok, birth_ok, births, sex = _identity_columns(a["id_number"])
    refuse(~shaped, "id_number", _("The ID number must be 17 digits followed by a digit or X."))
    refuse(shaped & ~check_ok, "id_number", _("The check character of ID number %(number)s is wrong."),
           lambda i: {"number": numbers.iat[i][:4] + "*" * 10 + numbers.iat[i][-4:]})
    refuse(check_ok & ~birth_ok, "id_number", _("The ID number %(number)s carries no valid birth date."),
           lambda i: {"number": numbers.iat[i][:4] + "*" * 10 + numbers.iat[i][-4:]})
    identity_ok = check_ok & birth_ok
    gender = a["gender"].to_numpy(dtype=object)
    gender_known = np.isin(gender, GENDERS)
    refuse(~gender_known, "gender", _("%(what)s must be one of %(allowed)s, got %(value)r."),
           lambda i: {"what": "gender", "allowed": "M, F", "value": gender[i]})
    refuse(identity_ok & gender_known & (gender != sex), "gender",
           _("The declared gender %(declared)s contradicts the ID number, which says %(actual)s."),
           lambda i: {"declared": gender[i], "actual": sex[i]})
    education = a["education"].to_numpy(dtype=object)
    edu_known = np.isin(education, list(EDUCATION_RANK))
    refuse(~edu_known, "education", _("%(what)s must be one of %(allowed)s, got %(value)r."),
           lambda i: {"what": "education", "allowed": ", ".join(EDUCATION_RANK), "value": education[i]})
    flags = {}
    for field in ("cadre", *[f for f, _r, _m in ATTESTATIONS]):
        column = a[field].to_numpy(dtype=object)
        is_bool = np.array([isinstance(v, (bool, np.bool_)) for v in column], dtype=bool)
        refuse(~is_bool, field, _("%(field)s must be true or false, got %(value)r."),
               lambda i, field=field, column=column: {"field": field, "value": column[i]})
        flags[field] = np.where(is_bool, column, False).astype(bool)

    p = posts.set_index("post_id")
    post_ids = a["post_id"].to_numpy()
    known_post = np.isin(post_ids, p.index.to_numpy())
    refuse(~known_post, "post", _("Unknown post %(value)r."), lambda i: {"value": post_ids[i]})
    category = p["category"].reindex(post_ids).to_numpy(dtype=object)
    dorm_gender = p["dorm_gender"].reindex(post_ids).to_numpy(dtype=object)
    required_cert = p["certificate"].reindex(post_ids).fillna("").astype(str).to_numpy(dtype=object)
    bad_category = known_post & ~np.isin(category, list(PostCategory))
    refuse(bad_category, "category", _("%(what)s must be one of %(allowed)s, got %(value)r."),
           lambda i: {"what": "post category", "allowed": ", ".join(PostCategory), "value": category[i]})
    dorm = category == PostCategory.DORMITORY
    refuse(dorm & ~np.isin(dorm_gender, GENDERS), "dorm_gender",
           _("%(what)s must be one of %(allowed)s, got %(value)r."),
           lambda i: {"what": "the residents' gender of a dormitory post", "allowed": "M, F", "value": dorm_gender[i]})
    tech = category == PostCategory.TECHNICAL
    refuse(tech & (np.char.strip(required_cert.astype(str)) == ""), "certificate", _("A technical post must name its certificate."))
    as_of_64 = np.datetime64(as_of, "D")
    refuse(identity_ok & (births > as_of_64), "id_number", _("The reference date %(as_of)s is before the birth date."),
           lambda i: {"as_of": as_of.isoformat()})
    if errors:
        raise BulkInputError(errors)

    found = []

    def add(mask, rule_id, template, params_of):
        idx = np.flatnonzero(mask)
        if len(idx):
            r = RULES[rule_id]
            found.append(pd.DataFrame({
                "key": keys[idx], "rule": r.id, "clause": r.clause, "hard": r.hard, "template": template,
                "params": [params_of(i) for i in idx],
            }))

    for field, rule_id, message in ATTESTATIONS:
        add(flags[field], rule_id, message, lambda i: {})

    age = ages_on(births, as_of)
    add(age < MIN_WORKING_AGE, "LAW-MIN-AGE", _("Aged %(age)d on %(as_of)s; nobody under %(limit)d full years may be hired."),
        lambda i: {"age": int(age[i]), "as_of": as_of.isoformat(), "limit": MIN_WORKING_AGE})
    cadre = flags["cadre"]
    for (g, is_cadre), (rule_id, limit) in AGE_LIMITS.items():
        if g == "M" and is_cadre:
            continue  # men have one limit whatever their status
        who = (gender == g) & ((cadre == is_cadre) if g == "F" else True)
        add(who & (age > limit), rule_id, _("Aged %(age)d on %(as_of)s; the limit is %(limit)d full years."),
            lambda i, limit=limit: {"age": int(age[i]), "as_of": as_of.isoformat(), "limit": limit})

    rank = np.array([EDUCATION_RANK[e] for e in education], dtype=np.int64)
    for cat, (rule_id, minimum) in EDUCATION_REQUIREMENT.items():
        add((category == cat) & (rank < EDUCATION_RANK[minimum]), rule_id,
            _("Education %(education)s is below the required %(required)s."),
            lambda i, minimum=minimum: {"education": str(education[i]), "required": str(minimum)})

    certificates = a["certificates"].to_numpy(dtype=object)
    missing_cert = np.array([
        bool(t) and _normalise_certificate(c) not in {_normalise_certificate(x) for x in (held or ())}
        for t, c, held in zip(tech, required_cert, certificates)
    ], dtype=bool)
    add(missing_cert, "ELIG-CERT-TECH",
        _("The post requires the certificate %(certificate)s, which the applicant does not hold."),
        lambda i: {"certificate": required_cert[i].strip()})

    mismatch = dorm & (gender != dorm_gender)
    add(mismatch, "STAFF-DORM-GENDER",
        _("The applicant's gender %(gender)s differs from the residents' gender %(dorm_gender)s."),
        lambda i: {"gender": gender[i], "dorm_gender": dorm_gender[i]})
    add(mismatch & (dorm_gender == "F"), "STAFF-DORM-FEMALE", _("A girls' dormitory may not have a male manager."), lambda i: {})

    if not found:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    return pd.concat(found, ignore_index=True)[FINDING_COLUMNS]
