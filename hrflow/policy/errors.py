import numbers

from .i18n import gettext_noop as _


class PolicyInputError(ValueError):
    """Input the rules cannot be applied to. Never a silent pass: the caller must fix the data.

    `template` and `params` let the UI translate the message; `field` names the input field
    at fault so an import can report row and column.
    """

    def __init__(self, template: str, params: dict | None = None, *, field: str | None = None):
        self.template = template
        self.params = params or {}
        self.field = field
        super().__init__(template % self.params if self.params else template)


class InvalidIdNumber(PolicyInputError):
    """A resident ID number that is not a valid 18-character GB 11643 number."""

    def __init__(self, template: str, params: dict | None = None, *, field: str | None = "id_number"):
        super().__init__(template, params, field=field)


class IdentityMismatch(PolicyInputError):
    """Declared identity data that contradicts the resident ID number (e.g. gender)."""


def whole_count(value, field: str) -> int:
    """A count (staff, boarders, places, people enrolled): a whole number of 0 or more, never a
    bool or a float, numpy's integers included."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise PolicyInputError(_("%(field)s must be a whole number of 0 or more, got %(value)r."), {"field": field, "value": value}, field=field)
    return int(value)
