"""Sections that apps above `people` add to a staff member's page (contracts, training, ...).

`people` must not import the apps above it; they register a section at start-up instead, and the
staff page and My profile render every registered section for the employment shown.
"""

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    context: Callable  # (staff, user) -> dict, or None to leave the section out
    order: int = 100


_sections: dict[str, Section] = {}


def register(section: Section):
    _sections[section.name] = section


def staff_sections(staff, user) -> list[tuple[str, dict]]:
    """[(template, context)] of every section this user may see for `staff`, in order."""
    shown = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.name)):
        context = section.context(staff, user)
        if context is not None:
            shown.append((section.template, context))
    return shown
