from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for `make run` and the synthetic province of the benchmarks (seed_demo,
    seed_scale, demo_logins). The top of the house: it writes into every app, and no app imports
    it back (tests/test_layering.py)."""

    name = "hrflow.demo"
    label = "demo"
    verbose_name = _("Demo data")
