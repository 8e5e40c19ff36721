"""The audited models (a base facility: each domain app registers its models here at start-up; the audit app above reads them) and how a change of each is placed in the organisation tree.

A domain app registers each model that has `history = HistoricalRecords()` with a function
giving the Q that keeps the historical rows under any of a list of unit paths. Fields listed
as sensitive are masked unless the viewer may see the person's sensitive data.
"""

from dataclasses import dataclass, field
from typing import Callable

from django.db.models import Q


@dataclass(frozen=True)
class AuditedModel:
    key: str  # "app_label.model_name"
    model: type
    scope: Callable[[list[str]], Q]
    sensitive_fields: tuple[str, ...] = ()
    person_of: Callable | None = None  # historical record -> person id, for sensitive fields
    hidden_fields: tuple[str, ...] = field(default=())
    describe: Callable | None = None  # list of historical records -> {object id: label}
    round_field: str | None = None  # lookup to the selection round, for replaying one round
    anonymous_as: str | None = None  # shown instead of the user for records written anonymously (peer ratings)

    @property
    def label(self):
        return self.model._meta.verbose_name


_registry: dict[str, AuditedModel] = {}


def paths_q(field_name: str) -> Callable[[list[str]], Q]:
    def build(paths):
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(**{f"{field_name}__startswith": path})
        return q

    return build


def register(model, scope, **kwargs):
    key = f"{model._meta.app_label}.{model._meta.model_name}"
    _registry[key] = AuditedModel(key=key, model=model, scope=scope, **kwargs)


def audited_models() -> dict[str, AuditedModel]:
    return dict(_registry)
