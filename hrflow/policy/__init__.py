"""The rules of 川教函〔2021〕569号 and the labour law, as pure Python.

No Django import here: a service builds plain inputs, calls these functions and stores
what they return. Every finding carries its POLICY.md id and the notice's clause.
"""

from .bulk import BulkInputError, RowError, screen_frame
from .calendar import is_working_day, publicity_ends
from .catalogue import INVALID_DATA, RULES, Rule, rule
from .contracts import (
    CONTRACT,
    ESTABLISHMENT,
    INSTITUTIONAL,
    LABOUR,
    ContractFinding,
    add_months,
    check_contract,
    open_ended_due,
    probation_end,
    probation_max_months,
    probation_pay_floor,
    service_months,
    severance_pay,
    term_end,
)
from .errors import IdentityMismatch, InvalidIdNumber, PolicyInputError
from .identity import Identity, age_on, build_id_number, mask_id_number, parse_id_number
from .screening import (
    EDUCATION_RANK,
    GENERAL_CRITERIA,
    MIN_WORKING_AGE,
    EducationLevel,
    Finding,
    PostCategory,
    ScreeningResult,
    post_requirements,
    screen,
)
from .staffing import (
    DormitoryFacts,
    SchoolLevel,
    StaffingLine,
    check_staffing,
    dormitory_gender_frame,
    staffing_requirements,
    staffing_frame,
    staffing_requirements_frame,
)

__all__ = [
    "BulkInputError",
    "RowError",
    "screen_frame",
    "INSTITUTIONAL",
    "INVALID_DATA",
    "MIN_WORKING_AGE",
    "LABOUR",
    "is_working_day",
    "CONTRACT",
    "ESTABLISHMENT",
    "probation_max_months",
    "ContractFinding",
    "add_months",
    "check_contract",
    "open_ended_due",
    "probation_end",
    "probation_pay_floor",
    "term_end",
    "service_months",
    "severance_pay",
    "publicity_ends",
    "DormitoryFacts",
    "EDUCATION_RANK",
    "GENERAL_CRITERIA",
    "RULES",
    "EducationLevel",
    "Finding",
    "Identity",
    "IdentityMismatch",
    "InvalidIdNumber",
    "PolicyInputError",
    "PostCategory",
    "Rule",
    "ScreeningResult",
    "SchoolLevel",
    "StaffingLine",
    "age_on",
    "build_id_number",
    "check_staffing",
    "dormitory_gender_frame",
    "mask_id_number",
    "parse_id_number",
    "post_requirements",
    "rule",
    "screen",
    "staffing_requirements",
    "staffing_frame",
    "staffing_requirements_frame",
]
