import rules
from rules.contrib.views import PermissionRequiredMixin


class ScopedPermissionMixin(PermissionRequiredMixin):
    """A view's role and scope check: `permission_required` tested against the view's object.

    The rule itself is tested (rules.has_perm), not user.has_perm: Django's ModelBackend would
    let a superuser through, and administering the system is not a role in a school.
    Authenticated users without it get 403; anonymous ones never get here
    (LoginRequiredMiddleware sends them to the login page).
    """

    raise_exception = True

    def has_permission(self):
        obj = self.get_permission_object()
        perms = self.get_permission_required()
        return all(rules.has_perm(perm, self.request.user, obj) for perm in perms)
