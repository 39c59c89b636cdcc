"""The portal's door: rate limits, token lookup by hash, one 404 page for every bad link.

Every public portal view is wrapped in `portal_view`: it counts (in the "portal"
cache, see settings.CACHES) the request per
client address and refuses with 429 above the limit, looks the token up by its
SHA-256 (never by the raw value), answers a wrong, expired or revoked token
with the same 404 page (what to do, in Dutch and English), counts wrong tokens
per address (guessing gets 429), then counts per token. The view gets `request.portal` (token, customer,
language) and renders in the customer's language.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.models import Customer
from dunning.models import PortalToken
from dunning.models.portal import hash_token

LANGUAGES = ("nl", "en")
LANGUAGE_COOKIE = "portal_language"
FAILED_WINDOW = 600


@dataclass
class PortalContext:
    token: PortalToken
    customer: Customer
    language: str
    raw: str


def _gone_text(language: str) -> str:
    company = settings.COMPANY
    with translation.override(language):
        return (
            f'<h1 lang="{language}">{escape(_("This link does not work (any more)"))}</h1>'
            f'<p lang="{language}">'
            + escape(
                _(
                    "The link is incomplete, has expired or was replaced. The link in a reminder works "
                    "for %(days)s days. Use the link in our latest reminder, or ask us for a new one:"
                )
                % {"days": settings.PORTAL_TOKEN_DAYS}
            )
            + f' <a href="mailto:{escape(company["email"])}">{escape(company["email"])}</a>'
            f" · {escape(company['phone'])}</p>"
        )


def _busy_text(language: str) -> str:
    with translation.override(language):
        return (
            f'<h1 lang="{language}">{escape(_("Too many requests"))}</h1>'
            f'<p lang="{language}">{escape(_("Please wait a minute and try again."))}</p>'
        )


def _page(inner: str) -> bytes:
    """A page of the portal's look that needs no customer: in Dutch and English, the same for everyone."""
    company = escape(settings.COMPANY["name"])
    return (
        '<!doctype html>\n<html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{company}</title>"
        f'<link rel="stylesheet" href="{static("css/app.css")}">'
        f'<link rel="stylesheet" href="{static("css/portal.css")}"></head>'
        f'<body class="portal"><header class="portal-top"><div class="portal-brand">{company}</div></header>'
        f'<main class="portal-main"><section class="card portal-gone">{inner}</section></main>'
        "</body></html>\n"
    ).encode()


def not_found_body() -> bytes:
    """The page for every bad link, in Dutch and English (a bad link does not say whose it was).
    It depends on the settings only, never on the link: a wrong, expired and revoked link get the
    same bytes."""
    return _page(_gone_text("nl") + _gone_text("en"))


def not_found() -> HttpResponse:
    """The same answer for a wrong, expired or revoked link: nothing tells them apart."""
    return HttpResponse(not_found_body(), status=404, content_type="text/html; charset=utf-8")


def too_many() -> HttpResponse:
    """Above a rate limit: wait a minute (in Dutch and English; whose link it was is not known yet)."""
    response = HttpResponse(
        _page(_busy_text("nl") + _busy_text("en")), status=429, content_type="text/html; charset=utf-8"
    )
    response["Retry-After"] = "60"
    return response


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _cache():
    return caches["portal"]


def _count(key: str, window: int) -> int:
    """Requests in the current fixed window (the cache key expires with it)."""
    bucket = f"portal:{key}:{int(time.time() // window)}"
    cache = _cache()
    cache.add(bucket, 0, timeout=window + 5)
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window + 5)
        return 1


def _failures(ip: str) -> int:
    return _cache().get(f"portal:failed:{ip}:{int(time.time() // FAILED_WINDOW)}", 0)


def lookup(raw: str) -> PortalToken | None:
    if not raw or len(raw) > 100:
        return None
    token = PortalToken.objects.select_related("customer").filter(token_hash=hash_token(raw)).first()
    if token is None or not token.is_valid(timezone.now()):
        return None
    return token


def portal_language(request: HttpRequest, customer: Customer) -> str:
    chosen = request.COOKIES.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return customer.language if customer.language in LANGUAGES else "en"


def portal_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        ip = client_ip(request)
        if _count(f"ip:{ip}", 60) > settings.PORTAL_RATE_PER_IP:
            return too_many()
        if _failures(ip) >= settings.PORTAL_FAILED_PER_IP:
            return too_many()
        found = lookup(token)
        if found is None:
            _count(f"failed:{ip}", FAILED_WINDOW)
            return not_found()
        if _count(f"token:{found.pk}", 60) > settings.PORTAL_RATE_PER_TOKEN:
            return too_many()
        language = portal_language(request, found.customer)
        request.portal = PortalContext(token=found, customer=found.customer, language=language, raw=token)
        with translation.override(language):
            response = view(request, *args, **kwargs)
            response.headers.setdefault("Content-Language", language)
        # The token is in the URL: other sites never see it (same-origin keeps the Origin header
        # that CSRF checks; no-referrer would send "Origin: null" and refuse every form).
        response["Referrer-Policy"] = "same-origin"
        return response

    wrapped = never_cache(login_not_required(wrapped))
    wrapped.allowed_roles = ("portal token",)  # type: ignore[attr-defined]
    return wrapped
