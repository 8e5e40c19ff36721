"""The Material shell: one Site, an Application per area, menus filtered by role.

The top of the house with hrflow/urls.py, hrflow/home.py and hrflow/context_processors.py: it
names the roles (org) and every area, so it lives above the apps, never in hrflow.core."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from viewflow.urls import Application, Site

from hrflow.home import HomeView
from hrflow.org import scope
from hrflow.org.menu import OVERSIGHT, MenuItem

__all__ = ["OVERSIGHT", "HrflowApp", "HrflowSite", "MenuItem"]


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
