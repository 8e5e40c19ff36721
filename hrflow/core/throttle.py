"""Throttling of what anyone on the internet can try: logins (django-axes locks a username at
one address after repeated failures) and the public pages (django-ratelimit counts requests per
client address in the cache). Both answer 429 with a page that says when to try again.

The limits are settings (README, "What is refused and throttled"); the client address is
REMOTE_ADDR unless HRFLOW["TRUSTED_PROXY_COUNT"] says how many proxies of ours stand in front.
"""

import ipaddress
import logging
import math
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit.core import get_usage

log = logging.getLogger(__name__)

# Whatever REMOTE_ADDR holds when it holds nothing usable (a unix socket behind a proxy):
# such requests share one counter rather than escaping the limit.
UNKNOWN_ADDRESS = "0.0.0.0"


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The caller's address. X-Forwarded-For is read only as far as our own proxies wrote it:
    with n trusted proxies the n-th entry from the right is the address the outermost one saw;
    anything to its left was written by the client and may be forged."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR") or "") or UNKNOWN_ADDRESS
    proxies = settings.HRFLOW["TRUSTED_PROXY_COUNT"]
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        # The request did not pass through every proxy we configured: trust only the socket.
        return remote
    return _valid_ip(forwarded[-proxies]) or remote


def client_key(group, request) -> str:
    """Rate-limit key: the address; an IPv6 client owns a whole /64, so it counts as one."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def status_code_key(group, request) -> str:
    """Rate-limit key of the status check's second counter: the application code asked about,
    so that a leaked code cannot be paired with guessed ID numbers from many addresses."""
    code = request.POST.get("code", "").strip().upper()[:32]
    # No code, nothing to guess against: the address's own counter suffices.
    return f"code:{code}" if code else client_key(group, request)


def axes_username(request, credentials=None) -> str | None:
    """The username django-axes records and locks. Django's login form sets no length limit on
    it, and a 5,000-character name must not break the attempt table (varchar 255 on PostgreSQL):
    cut to the user model's length, without NUL (PostgreSQL refuses it in text)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    if username is None:
        return None
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    longest = user_model._meta.get_field(user_model.USERNAME_FIELD).max_length or 150
    return str(username).replace("\x00", "")[:longest]


def _retry_context(seconds: float) -> dict:
    seconds = max(math.ceil(seconds), 1)
    retry_at = timezone.localtime() + timedelta(seconds=seconds)
    if retry_at.second or retry_at.microsecond:
        # The page names the minute (`when`: 2026年11月26日 07:03): round up, so that "try again
        # after 07:03" is true rather than a minute early.
        retry_at = retry_at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return {
        "retry_at": retry_at,
        "retry_minutes": math.ceil(seconds / 60),
        "retry_seconds": seconds,
    }


def too_many_requests(request, seconds: int, template: str = "429.html"):
    response = render(request, template, _retry_context(seconds), status=429)
    response["Retry-After"] = str(max(math.ceil(seconds), 1))
    return response


def over_limit(request, group: str, limits) -> int | None:
    """Count this request against each (rate setting, key) pair of `limits`; the seconds until the
    caller may try again if any is exceeded, else None. A cache that fails lets the request
    through (logged): an outage of Redis must not turn every applicant away, nor give a 500."""
    wait = None
    for setting, key in limits:
        for rate in settings.HRFLOW[setting]:
            try:
                usage = get_usage(request, group=f"{group}:{setting}", key=key, rate=rate, method="POST", increment=True)
            except Exception:  # the cache backend's own errors (redis.ConnectionError, ...)
                log.exception("Rate limit %s not counted: the cache failed", setting)
                continue
            if usage and usage["should_limit"]:
                wait = max(wait or 0, usage["time_left"], 1)
    return wait


def ratelimited(group: str, *limits, template: str = "429.html"):
    """Decorate a view's dispatch: POSTs over any of the limits get the 429 page instead."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                wait = over_limit(request, group, limits)
                if wait is not None:
                    log.warning("Rate limit %s reached by %s", group, client_ip(request))
                    return too_many_requests(request, wait, template)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: the login page's look, in the user's language,
    with the time the lock ends (the last recorded failure plus the cool-off)."""
    from axes.helpers import get_client_username, get_cool_off
    from axes.models import AccessAttempt

    cool_off = get_cool_off(request) or timedelta(0)
    username = get_client_username(request, credentials) or ""
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=getattr(request, "axes_ip_address", None))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    ends = (last or timezone.now()) + cool_off
    seconds = (ends - timezone.now()).total_seconds()
    return too_many_requests(request, seconds, "registration/locked_out.html")
