"""The Material shell: one Site, an Application per area, menus filtered by role."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from viewflow.urls import Application, Site

from hrflow.org import scope
from hrflow.org.models import Role

from .views import HomeView

OVERSIGHT = (Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR)


class MenuItem:
    def __init__(self, url_name, title, icon, roles):
        self.url_name, self.title, self.icon, self.roles = url_name, title, icon, tuple(roles)

    def visible_to(self, user):
        return scope.has_role(user, *self.roles)

    @property
    def url(self):
        return reverse(self.url_name)


class HrflowApp(Application):
    """An area of HRflow; `roles` gate both the menu entry and every URL below it."""

    menu_template_name = "hrflow/app_menu.html"
    roles: tuple = ()
    menu: tuple = ()

    def has_view_permission(self, user, obj=None):
        return scope.has_role(user, *self.roles)

    @property
    def index_path(self):
        return path("", self.index_view, name="index")

    def index_view(self, request):
        """The area's first page this user may open."""
        items = self.menu_for(request.user)
        if not items:
            raise PermissionDenied
        return redirect(items[0].url)

    def menu_for(self, user):
        return [item for item in self.menu if item.visible_to(user)]


class HrflowSite(Site):
    index_path = path("", HomeView.as_view(), name="index")

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated
