"""My notifications (mounted under the viewflow site by hrflow/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("mine/", views.NotificationListView.as_view(), name="notification_list"),
    path("<int:pk>/open/", views.NotificationOpenView.as_view(), name="open"),
    path("read-all/", views.NotificationReadAllView.as_view(), name="read_all"),
]
