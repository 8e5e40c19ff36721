"""Strings of viewflow's Material templates that HRflow's pages show.

viewflow's own zh_Hans catalog has every msgstr empty; listing the strings here puts them in
HRflow's catalog (locale/zh_Hans), which LOCALE_PATHS ranks above the library's.
"""

from django.utils.translation import gettext_noop

FRONTEND_STRINGS = [
    gettext_noop("Applications"),
    gettext_noop("Back"),
    gettext_noop("Profile"),
    gettext_noop("Log out"),
    gettext_noop("Login"),
    gettext_noop("Log in"),
]
