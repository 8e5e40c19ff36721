"""Which certificates a post requires, and whether a staff member holds them (pure, no Django).

Two requirements are checked:
- LAW-FOOD-HEALTH (national law, 《食品安全法》 art. 45): whoever works with food that is eaten as
  it is served (接触直接入口食品) holds a health certificate (健康证明), renewed every year; HRflow
  holds every canteen post to it.
- ELIG-CERT-TECH (川教函〔2021〕569号 三(三), 应具备, hard): a professional/technical post requires
  its certificate (上岗证). HR records which kind each technical staff member's post requires.

A certificate's `valid_until` is its last valid day; None means it does not expire. "Within N
days" includes the N-th day (以内, Civil Code art. 1259).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from .catalogue import RULES
from .i18n import gettext_noop as _
from .screening import PostCategory

# Certificate kinds (the Django choices in hrflow.training.models label them).
HEALTH = "health"  # 健康证明
FOOD_SAFETY_MANAGER = "food_safety_manager"  # 食品安全管理员证
ELECTRICIAN = "electrician"  # 电工证
BOILER_OPERATOR = "boiler_operator"  # 锅炉/压力容器操作证
SPECIAL_EQUIPMENT = "special_equipment"  # 特种设备作业人员证
COOK = "cook"  # 厨师/烹调技能证书
OTHER = "other"  # named by the holder
KINDS = (HEALTH, FOOD_SAFETY_MANAGER, ELECTRICIAN, BOILER_OPERATOR, SPECIAL_EQUIPMENT, COOK, OTHER)

DEFAULT_WARN_DAYS = 30

# Status of one certificate on a day.
VALID, EXPIRING, EXPIRED, MISSING = "valid", "expiring", "expired", "missing"

# National law, not the notice: cited with its own source and article (the catalogue's entry once
# it has one, so hrflow's rule labels know it too).
FOOD_HEALTH_RULE = RULES["LAW-FOOD-HEALTH"]
TECH_RULE = RULES["ELIG-CERT-TECH"]
CERTIFICATE_RULES = {FOOD_HEALTH_RULE.id: FOOD_HEALTH_RULE, TECH_RULE.id: TECH_RULE}


@dataclass(frozen=True)
class HeldCertificate:
    kind: str
    valid_until: date | None
    name: str = ""  # the holder's name of an OTHER certificate


@dataclass(frozen=True)
class Requirement:
    kind: str
    rule: str
    name: str = ""  # for an OTHER kind: the certificate's name


@dataclass(frozen=True)
class CertificateFinding:
    """A requirement not met on `as_of`: `status` is MISSING, EXPIRED or EXPIRING (the best
    matching certificate's `valid_until` given for the last two)."""

    rule: str
    clause: str
    source: str
    status: str
    kind: str
    name: str = ""
    valid_until: date | None = None
    template: str = ""
    params: dict = field(default_factory=dict)

    @property
    def hard(self) -> bool:
        return CERTIFICATE_RULES[self.rule].hard


def normalise_name(name: str) -> str:
    """Names of OTHER certificates compare without case or spaces (全角 and half-width alike)."""
    return "".join((name or "").replace("\u3000", " ").split()).casefold()


def certificate_status(valid_until: date | None, as_of: date, warn_days: int = DEFAULT_WARN_DAYS) -> str:
    """VALID, EXPIRING (its last day is within `warn_days` of `as_of`, inclusive) or EXPIRED."""
    if valid_until is None:
        return VALID
    if valid_until < as_of:
        return EXPIRED
    if valid_until <= as_of + timedelta(days=warn_days):
        return EXPIRING
    return VALID


def requirements_for(*, post_category: str, required: Iterable[tuple[str, str]] = ()) -> list[Requirement]:
    """The certificates a post requires: canteen staff a health certificate (LAW-FOOD-HEALTH);
    each (kind, name) HR recorded for a technical post its certificate (ELIG-CERT-TECH)."""
    found = []
    if post_category == PostCategory.CANTEEN:
        found.append(Requirement(HEALTH, FOOD_HEALTH_RULE.id))
    for kind, name in required:
        if kind not in KINDS:
            raise ValueError(f"unknown certificate kind {kind!r}")
        requirement = Requirement(kind, TECH_RULE.id, name.strip() if kind == OTHER else "")
        if not any(r.kind == requirement.kind and normalise_name(r.name) == normalise_name(requirement.name) for r in found):
            found.append(requirement)
    return found


def _matches(requirement: Requirement, held: HeldCertificate) -> bool:
    if held.kind != requirement.kind:
        return False
    return requirement.kind != OTHER or normalise_name(held.name) == normalise_name(requirement.name)


def _best(candidates: list[HeldCertificate]) -> HeldCertificate | None:
    """The certificate that lasts longest (no expiry beats any date)."""
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c.valid_until is None, c.valid_until or date.min))


MESSAGES = {
    MISSING: _("No %(certificate)s on record."),
    EXPIRED: _("The %(certificate)s expired on %(valid_until)s."),
    EXPIRING: _("The %(certificate)s expires on %(valid_until)s."),
}


def check_certificates(
    *,
    post_category: str,
    required: Iterable[tuple[str, str]] = (),
    held: Iterable[HeldCertificate],
    as_of: date,
    warn_days: int = DEFAULT_WARN_DAYS,
) -> list[CertificateFinding]:
    """Every requirement of the post (see `requirements_for`) that the certificates `held` do not
    meet on `as_of`: missing, expired, or expiring within `warn_days`. Empty when all is well.

    `params["certificate"]` is the kind code (or the name of an OTHER certificate); the UI
    labels it. Raises ValueError for a negative `warn_days` or an unknown kind."""
    if warn_days < 0:
        raise ValueError("warn_days must not be negative")
    held = list(held)
    findings = []
    for requirement in requirements_for(post_category=post_category, required=required):
        rule = CERTIFICATE_RULES[requirement.rule]
        best = _best([c for c in held if _matches(requirement, c)])
        status = MISSING if best is None else certificate_status(best.valid_until, as_of, warn_days)
        if status == VALID:
            continue
        valid_until = best.valid_until if best is not None else None
        params = {"certificate": requirement.name or requirement.kind}
        if valid_until is not None:
            params["valid_until"] = valid_until.isoformat()
        findings.append(CertificateFinding(
            rule=rule.id, clause=rule.clause, source=rule.source, status=status, kind=requirement.kind,
            name=requirement.name, valid_until=valid_until, template=MESSAGES[status], params=params,
        ))
    return findings
