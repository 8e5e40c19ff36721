from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose English with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; HRflow's users are
    Chinese schools, and an English-language browser must not change that by itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class RefuseNulQueryMiddleware:
    """A query string carrying a NUL character is refused with a 400 page before any view runs.

    Filters and searches hand query values to the database as they are; PostgreSQL refuses a NUL
    in text outright, so one crafted link would otherwise be a 500 on every list. No person types
    a NUL, so the whole request is refused rather than cleaned silently.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return render(request, "400.html", {"nul": True}, status=400)
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """Django answers a GET on a POST-only URL (an export, an action) with an empty 405; a person who
    reloads or bookmarks such a URL gets a page in their language with a way back instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "405.html", status=405)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response
