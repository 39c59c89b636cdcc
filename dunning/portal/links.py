"""Personal portal links: made for every reminder, stored only as a SHA-256 hash.

`portal_link(customer)` is registered with `dunning.rendering.register_portal_link`,
so every mail and letter gets `{{ portal_url }}`. Three modes:

- default: the token is saved at once (one INSERT: a reminder approved by hand);
- inside `collect_tokens()`: the tokens are built unsaved and the daily run's
  chunk saves them with one bulk INSERT after its messages (`batch.save(messages)`);
- inside `sample_links()`: a sample link and nothing written (template previews).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from accounts.models import Customer
from dunning.models import Message, PortalToken
from dunning.models.portal import hash_token

SAMPLE_TOKEN = "sample-link-preview-only"


class TokenBatch:
    def __init__(self) -> None:
        self.tokens: list[PortalToken] = []

    def save(self, messages: Sequence[Message] = ()) -> list[PortalToken]:
        """One INSERT for the chunk's tokens; each is tied to its customer's message (saved first)."""
        by_customer = {m.customer_id: m for m in messages if m.pk}
        for token in self.tokens:
            token.message = by_customer.get(token.customer_id)
        saved = PortalToken.objects.bulk_create(self.tokens) if self.tokens else []
        self.tokens = []
        return saved


_mode: ContextVar[TokenBatch | str | None] = ContextVar("portal_link_mode", default=None)


@contextmanager
def collect_tokens() -> Iterator[TokenBatch]:
    batch = TokenBatch()
    reset = _mode.set(batch)
    try:
        yield batch
    finally:
        _mode.reset(reset)


@contextmanager
def sample_links() -> Iterator[None]:
    reset = _mode.set("sample")
    try:
        yield
    finally:
        _mode.reset(reset)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


PLACEHOLDER = "TOKEN-PLACEHOLDER"


@lru_cache(maxsize=8)
def _home_path(urlconf, prefix: str) -> str:
    return reverse("portal:home", args=[PLACEHOLDER], urlconf=urlconf)


def url_for(raw: str) -> str:
    # reverse() once per URL configuration, not once per reminder (a tenth of composing one).
    # token_urlsafe needs no quoting, so filling in the placeholder gives what reverse() would.
    return absolute(_home_path(get_urlconf(), get_script_prefix()).replace(PLACEHOLDER, raw))


def new_token(customer: Customer | int, *, made_by: str = "", now=None) -> tuple[PortalToken, str]:
    """An unsaved token and its raw value (shown once, never stored)."""
    now = now or timezone.now()
    raw = secrets.token_urlsafe(32)
    token = PortalToken(
        customer_id=customer if isinstance(customer, int) else customer.pk,
        token_hash=hash_token(raw),
        created_at=now,
        expires_at=now + timedelta(days=settings.PORTAL_TOKEN_DAYS),
        made_by=made_by[:100],
    )
    return token, raw


def portal_link(customer: Customer) -> str:
    mode = _mode.get()
    if mode == "sample":
        return url_for(SAMPLE_TOKEN)
    token, raw = new_token(customer)
    if isinstance(mode, TokenBatch):
        mode.tokens.append(token)
    else:
        token.save()
    return url_for(raw)
