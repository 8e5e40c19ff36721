from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    """Who works where against the staffing rules (三(一)2, LAW-DISPATCH): the Schools area's
    pages, the compliance roll-up per county and city, and its export. No models: it reads
    hrflow.org's schools and hrflow.people's staff, above both (tests/test_layering.py)."""

    name = "hrflow.staffing"
    label = "staffing"
    verbose_name = _("Staffing")
