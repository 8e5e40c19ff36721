"""Staffing ratios and dormitory managers' gender: 川教函〔2021〕569号 三(一)2.

`staffing_requirements` is the scalar contract; `staffing_requirements_frame` applies the same
ratios to a DataFrame of schools for roll-ups, and `check_staffing` explains one school line
by line, each line citing its rule and clause.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from .catalogue import RULES
from .errors import PolicyInputError, whole_count
from .i18n import gettext_noop as _


class SchoolLevel(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    HIGHER = "higher"


CANTEEN_DINERS_PER_STAFF = 100  # STAFF-CANTEEN 1:100
DORM_BOARDERS_PER_STAFF: dict[str, int] = {
    SchoolLevel.PRIMARY: 200,  # STAFF-DORM-K12 1:200
    SchoolLevel.SECONDARY: 200,
    SchoolLevel.HIGHER: 300,  # STAFF-DORM-HE 1:300
}
DORM_RULE: dict[str, str] = {
    SchoolLevel.PRIMARY: "STAFF-DORM-K12",
    SchoolLevel.SECONDARY: "STAFF-DORM-K12",
    SchoolLevel.HIGHER: "STAFF-DORM-HE",
}


def _level(level) -> str:
    if level not in DORM_BOARDERS_PER_STAFF:
        raise PolicyInputError(
            _("School level must be one of primary, secondary, higher, got %(value)r."), {"value": level}, field="level"
        )
    return level


def _ceil_div(n: int, d: int) -> int:
    return -(-n // d)


def staffing_requirements(level: str, diners: int, boarders: int) -> dict[str, int]:
    """Minimum canteen and dormitory staff: ceil(diners / 100), ceil(boarders / 200 or 300)."""
    level = _level(level)
    return {
        "canteen": _ceil_div(whole_count(diners, "diners"), CANTEEN_DINERS_PER_STAFF),
        "dormitory": _ceil_div(whole_count(boarders, "boarders"), DORM_BOARDERS_PER_STAFF[level]),
    }


def staffing_requirements_frame(schools: pd.DataFrame) -> pd.DataFrame:
    """Columns `required_canteen` and `required_dormitory` for a frame with level, diners, boarders."""
    unknown = ~schools["level"].isin(list(DORM_BOARDERS_PER_STAFF))
    if unknown.any():
        raise PolicyInputError(
            _("School level must be one of primary, secondary, higher, got %(value)r."),
            {"value": schools.loc[unknown, "level"].iloc[0]},
            field="level",
        )
    diners = schools["diners"].to_numpy(dtype=np.int64)
    boarders = schools["boarders"].to_numpy(dtype=np.int64)
    per_staff = schools["level"].map(DORM_BOARDERS_PER_STAFF).to_numpy(dtype=np.int64)
    return schools.assign(
        required_canteen=-(-diners // CANTEEN_DINERS_PER_STAFF),
        required_dormitory=-(-boarders // per_staff),
    )


@dataclass(frozen=True)
class DormitoryFacts:
    name: str
    residents_gender: str  # "M" or "F"
    boarders: int
    managers: Mapping[str, int] = field(default_factory=dict)  # gender -> number of managers


@dataclass(frozen=True)
class StaffingLine:
    rule: str
    clause: str
    hard: bool
    required: int
    actual: int
    ok: bool
    template: str
    params: Mapping = field(default_factory=dict)
    subject: str = ""  # e.g. the dormitory a line is about

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template


def _line(rule_id: str, *, required: int, actual: int, ok: bool, template: str, subject: str = "", **extra) -> StaffingLine:
    r = RULES[rule_id]
    params = {"required": required, "actual": actual, **extra}
    return StaffingLine(
        rule=r.id, clause=r.clause, hard=r.hard, required=required, actual=actual, ok=ok,
        template=template, params=params, subject=subject,
    )


def check_staffing(
    *,
    level: str,
    diners: int,
    canteen_staff: int,
    dormitory_staff: int,
    food_safety_managers: int,
    dormitories: Iterable[DormitoryFacts] = (),
) -> list[StaffingLine]:
    """One line per rule of 三(一)2 for a school, failing or not."""
    dormitories = list(dormitories)
    boarders = sum(whole_count(d.boarders, "boarders") for d in dormitories)
    need = staffing_requirements(level, diners, boarders)
    canteen_staff = whole_count(canteen_staff, "canteen_staff")
    dormitory_staff = whole_count(dormitory_staff, "dormitory_staff")
    food_safety_managers = whole_count(food_safety_managers, "food_safety_managers")
    lines = [
        _line(
            "STAFF-CANTEEN", required=need["canteen"], actual=canteen_staff, ok=canteen_staff >= need["canteen"],
            template=_("%(diners)d diners need at least %(required)d canteen staff; there are %(actual)d."),
            diners=diners,
        ),
        _line(
            DORM_RULE[level], required=need["dormitory"], actual=dormitory_staff, ok=dormitory_staff >= need["dormitory"],
            template=_("%(boarders)d boarders need at least %(required)d dormitory staff; there are %(actual)d."),
            boarders=boarders,
        ),
        _line(
            "STAFF-FOOD-SAFETY", required=1, actual=food_safety_managers, ok=food_safety_managers >= 1,
            template=_("At least one full- or part-time food-safety manager; there are %(actual)d."),
        ),
    ]
    for dorm in dormitories:
        if dorm.residents_gender not in ("M", "F"):
            raise PolicyInputError(
                _("The residents' gender of %(name)s must be M or F."), {"name": dorm.name}, field="residents_gender"
            )
        other = "F" if dorm.residents_gender == "M" else "M"
        mismatched = whole_count(dorm.managers.get(other, 0), "managers")
        lines.append(
            _line(
                "STAFF-DORM-GENDER", required=0, actual=mismatched, ok=mismatched == 0, subject=dorm.name,
                template=_("%(name)s: %(actual)d manager(s) not of the residents' gender."),
                name=dorm.name,
            )
        )
        if dorm.residents_gender == "F":
            male = whole_count(dorm.managers.get("M", 0), "managers")
            lines.append(
                _line(
                    "STAFF-DORM-FEMALE", required=0, actual=male, ok=male == 0, subject=dorm.name,
                    template=_("%(name)s is a girls' dormitory: %(actual)d male manager(s)."),
                    name=dorm.name,
                )
            )
    return lines


def dormitory_gender_frame(dorms: pd.DataFrame) -> pd.DataFrame:
    """Per dormitory (residents_gender, managers_M, managers_F): STAFF-DORM-GENDER and STAFF-DORM-FEMALE.

    Adds `gender_mismatch` (soft: managers not of the residents' gender) and `male_in_female`
    (hard: a male manager in a girls' dormitory), as booleans.
    """
    female = dorms["residents_gender"].eq("F").to_numpy()
    managers_m = dorms["managers_M"].to_numpy(dtype=np.int64)
    managers_f = dorms["managers_F"].to_numpy(dtype=np.int64)
    other = np.where(female, managers_m, managers_f)
    return dorms.assign(gender_mismatch=other > 0, male_in_female=female & (managers_m > 0))


def staffing_frame(schools: pd.DataFrame) -> pd.DataFrame:
    """Every school's compliance with 三(一)2 in one pass.

    Input columns: level, diners, boarders, canteen_staff, dormitory_staff, food_safety_managers,
    dorms_gender_mismatch, dorms_male_in_female (counts of dormitories). Adds the required
    numbers, an `_ok` flag per rule, and counts of failing soft and hard rules.
    """
    frame = staffing_requirements_frame(schools)
    canteen_ok = frame["canteen_staff"].to_numpy() >= frame["required_canteen"].to_numpy()
    dormitory_ok = frame["dormitory_staff"].to_numpy() >= frame["required_dormitory"].to_numpy()
    food_safety_ok = frame["food_safety_managers"].to_numpy() >= 1
    gender_ok = frame["dorms_gender_mismatch"].to_numpy() == 0
    female_ok = frame["dorms_male_in_female"].to_numpy() == 0
    soft_failures = (~canteen_ok).astype(int) + (~dormitory_ok).astype(int) + (~gender_ok).astype(int)
    hard_failures = (~food_safety_ok).astype(int) + (~female_ok).astype(int)
    return frame.assign(
        canteen_ok=canteen_ok,
        dormitory_ok=dormitory_ok,
        food_safety_ok=food_safety_ok,
        dorm_gender_ok=gender_ok,
        dorm_female_ok=female_ok,
        soft_failures=soft_failures,
        hard_failures=hard_failures,
    )
