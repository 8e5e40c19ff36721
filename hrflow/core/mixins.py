from rules.contrib.views import PermissionRequiredMixin


class ScopedPermissionMixin(PermissionRequiredMixin):
    """A view's role and scope check: `permission_required` tested against the view's object.

    Authenticated users without it get 403; anonymous ones never get here
    (LoginRequiredMiddleware sends them to the login page).
    """

    raise_exception = True
