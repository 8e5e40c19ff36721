from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.i18n import set_language

# The language switch works on the login page too.
urlpatterns = [path("setlang/", login_not_required(set_language), name="set_language")]
