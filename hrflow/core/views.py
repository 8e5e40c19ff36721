from django.http import HttpResponse
from django.views import generic


class PingView(generic.View):
    """The load bench's floor (tests/bench.py): a signed-in page that does nothing but the
    session and user lookups every page pays (LoginRequiredMiddleware makes them), so each
    page's time can be read against what the server costs anyway. Plain text for machines."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        return HttpResponse("ok", content_type="text/plain; charset=utf-8")
