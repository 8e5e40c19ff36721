"""A menu entry of an area, shown to the roles it names. Here, beside the roles, so that every app
can declare its area's menu (hrflow/training/urls.py) without importing the shell (hrflow/site.py)."""

from django.urls import reverse

from . import scope
from .models import Role

# The roles that oversee schools: every area but My profile is theirs.
OVERSIGHT = (Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR)


class MenuItem:
    def __init__(self, url_name, title, icon, roles):
        self.url_name, self.title, self.icon, self.roles = url_name, title, icon, tuple(roles)

    def visible_to(self, user):
        return scope.has_role(user, *self.roles)

    @property
    def url(self):
        return reverse(self.url_name)
