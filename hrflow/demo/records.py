"""Contracts, dispatch agreements and certificates for generated staff (demo and scale), in bulk.

Each employment gets the record its type has: a current contract for establishment and contract
staff (terms spread so that every day some come up for renewal, some probations end and some
certificates lapse, as in a real province), a dispatch agreement for dispatched staff, a health
certificate for canteen staff and the post's certificate for technical staff.
"""

from datetime import date, timedelta
from decimal import Decimal

from simple_history.utils import bulk_create_with_history

from hrflow.contracts.models import Contract, DispatchAgreement
from hrflow.people.models import Staff
from hrflow.policy import INSTITUTIONAL, LABOUR, probation_end, term_end
from hrflow.training.models import Certificate, CertificateKind

AGENCIES = ["四川蜀才劳务派遣有限公司", "成都锦程人力资源服务有限公司", "四川天府劳务派遣有限公司"]
TERMS = {INSTITUTIONAL: [36, 60], LABOUR: [12, 24, 36]}


def bulk_records(rng, *, staff_ids=None, school_ids=None, as_of: date, user, reason: str, batch_size=5000) -> dict:
    """Create the records of the staff given by `staff_ids` or `school_ids` (current staff only)."""
    staff = Staff.objects.exclude(status=Staff.Status.LEFT)
    if staff_ids is not None:
        staff = staff.filter(pk__in=staff_ids)
    if school_ids is not None:
        staff = staff.filter(school_id__in=school_ids)
    rows = list(staff.order_by("pk").values_list("pk", "person_id", "employment_type", "post_category", "hired_on",
                                                 "food_safety_manager", "title"))
    n = len(rows)
    offset = rng.random(n)  # where in its term each contract is today
    pay = rng.integers(250, 600, n) * 10
    contracts, agreements, certificates = [], [], []
    for i, (pk, person_id, employment, category, hired_on, food_safety, title) in enumerate(rows):
        if employment in ("establishment", "contract"):
            contracts.append(_contract(rng, pk, INSTITUTIONAL if employment == "establishment" else LABOUR, hired_on,
                                       offset[i], int(pay[i]), title, as_of))
        elif employment == "dispatched":
            start = max(hired_on, as_of - timedelta(days=int(offset[i] * 700)))
            agreements.append(DispatchAgreement(staff_id=pk, agency=AGENCIES[i % len(AGENCIES)], post_nature="auxiliary",
                                                starts_on=start, ends_on=start + timedelta(days=729)))
        if category == "canteen":
            issued = as_of - timedelta(days=int(offset[i] * 360))
            certificates.append(Certificate(person_id=person_id, kind=CertificateKind.HEALTH, number=f"JK{pk:09d}",
                                            issuer="疾病预防控制中心", issued_on=issued, valid_until=issued + timedelta(days=364)))
        if food_safety:
            certificates.append(Certificate(person_id=person_id, kind=CertificateKind.FOOD_SAFETY_MANAGER, number=f"SA{pk:09d}",
                                            issuer="市场监督管理局", issued_on=hired_on, valid_until=None))
        if category == "technical":
            issued = as_of - timedelta(days=int(offset[i] * 2190))
            certificates.append(Certificate(person_id=person_id, kind=CertificateKind.ELECTRICIAN, number=f"T{pk:011d}",
                                            issuer="应急管理厅", issued_on=issued, valid_until=issued + timedelta(days=2190)))
    for model, objs in ((Contract, contracts), (DispatchAgreement, agreements), (Certificate, certificates)):
        if objs:
            bulk_create_with_history(objs, model, batch_size=batch_size, default_user=user, default_change_reason=reason)
    return {"contracts": len(contracts), "dispatch_agreements": len(agreements), "certificates": len(certificates)}


def _contract(rng, staff_id, kind, hired_on, offset, pay, post, as_of) -> Contract:
    S = Contract.State
    if rng.random() < 0.03:
        # A contract being prepared (a change of post, a new term on paper): HR records its signature.
        starts = as_of + timedelta(days=int(offset * 30))
        term = int(rng.choice(TERMS[kind]))
        probation = 0 if hired_on < as_of else 6
        return Contract(staff_id=staff_id, kind=kind, post=post, starts_on=starts, term_months=term, ends_on=term_end(starts, term),
                        probation_months=probation, probation_ends_on=probation_end(starts, probation), agreed_pay=Decimal(pay),
                        evaluation_method="年度考核与聘期考核相结合，聘期考核结果作为续聘依据", state=S.DRAFT)
    open_ended = rng.random() < 0.08
    term = None if open_ended else int(rng.choice(TERMS[kind]))
    span = (term or 60) * 30
    starts = max(hired_on, as_of - timedelta(days=int(offset * span)))
    probation = 0 if starts > hired_on else (6 if kind == LABOUR else 12 if term and term >= 36 else 6)
    ends = term_end(starts, term)
    if ends is not None and ends < as_of:
        # A term that has already ended was renewed on paper: the record is the current term.
        starts, probation = ends + timedelta(days=1), 0
        ends = term_end(starts, term)
    probation_ends = probation_end(starts, probation)
    # Generated as it stands today (the state field is protected: set at construction); the daily
    # job moves whatever is due.
    state = S.PROBATION if probation_ends and probation_ends >= as_of else S.ACTIVE
    return Contract(staff_id=staff_id, kind=kind, post=post, starts_on=starts, term_months=term, ends_on=ends,
                    probation_months=probation, probation_ends_on=probation_ends, agreed_pay=Decimal(pay),
                    probation_pay=Decimal(pay) if probation else None, signed_on=min(starts, as_of), state=state,
                    evaluation_method="年度考核与聘期考核相结合，聘期考核结果作为续聘依据", first_employment=probation == 12)
