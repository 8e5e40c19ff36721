from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import generic

from hrflow.core.mixins import ScopedPermissionMixin
from hrflow.core.paging import keyset_page

from .models import Notification


class NotificationListView(ScopedPermissionMixin, generic.TemplateView):
    """The user's own notifications, newest first."""

    permission_required = "notifications.view_notifications"
    template_name = "notifications/list.html"

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        mine = Notification.objects.filter(recipient=self.request.user)
        page = keyset_page(mine, order=["-pk"], cursor=self.request.GET.get("cursor"), size=30)
        return super().get_context_data(page=page, **kwargs)


class NotificationOpenView(ScopedPermissionMixin, generic.DetailView):
    """Marks one notification read (POST) and goes where it points."""

    permission_required = "notifications.view_notification"
    queryset = Notification.objects.all()
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        notification = self.get_object()
        if notification.read_at is None:
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        target = notification.url
        if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect("notifications:notification_list")
        return redirect(target)


class NotificationReadAllView(ScopedPermissionMixin, generic.View):
    permission_required = "notifications.view_notifications"
    http_method_names = ["post"]

    def get_permission_object(self):
        return None

    def post(self, request, *args, **kwargs):
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications:notification_list")
