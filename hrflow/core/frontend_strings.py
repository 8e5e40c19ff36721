"""Strings of libraries' templates and models that HRflow's pages show: viewflow's Material
frontend, and django-axes' admin (login attempts, lockouts).

viewflow's own zh_Hans catalog has every msgstr empty and django-axes ships none; listing the
strings here puts them in HRflow's catalog (locale/zh_Hans), which LOCALE_PATHS ranks above the
libraries', and keeps them there when makemessages runs.
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

AXES_STRINGS = [
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
]

# Django's own zh_Hans says 空字符串 ("empty string") for a NUL character: HRflow's catalog corrects it.
DJANGO_CORRECTIONS = [
    gettext_noop("Null characters are not allowed."),
]
