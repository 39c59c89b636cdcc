"""The JSON API for other systems (webshops, ERP): django-ninja, API keys with scopes.

Every app adds its router in `creditmgmt.urls` (the one place that knows
every app). Callers authenticate with `Authorization: Bearer <key>` of an
`ApiClient`; each operation names the scope it needs: no key or a wrong key
is 401, a key without the scope is 403. There is no session or cookie
authentication here, so the API needs no CSRF token and is exempt from the
sign-in redirect (`LoginRequiredMiddleware`). Errors are JSON:
`{"detail": "...", "errors": [{"field": "amount", "message": "..."}]}`.
"""

from __future__ import annotations

import copy

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from creditmgmt.models import ApiClient
from creditmgmt.services import api_client_for_key


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class ApiKey(HttpBearer):
    """`Authorization: Bearer <key>` of an active ApiClient that has `scope`."""

    openapi_description = "An API client's key (cm_...), made by an administrator."

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        client = api_client_for_key(token)
        if client is not None and not client.has_scope(self.scope):
            raise HttpError(403, _("This key lacks the scope %(scope)s.") % {"scope": self.scope})
        return client


class FieldProblem(Exception):
    """A request that is well-formed but wrong in one field (unknown customer, wrong currency)."""

    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def _field_of(loc: tuple | list) -> str:
    # ("body", "payload", "amount") -> "amount"; ("path", "number") -> "number"; ("body", "payload") -> "body"
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[2:] or ["body"]
    elif len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


class Api(NinjaAPI):
    """The OpenAPI description is built once per path and language: building it costs ~13 ms of
    CPU, and /api/v1/openapi.json (and the docs page that reads it) is public."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        key = (path_prefix, tuple(sorted((path_params or {}).items())), get_language())
        cache = self.__dict__.setdefault("_schemas", {})
        if key not in cache:
            cache[key] = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return copy.deepcopy(cache[key])


def make_api() -> NinjaAPI:
    api = Api(
        title="Credit management API",
        version="1",
        description=(
            "Real-time credit decisions for webshops and ERP systems. "
            "Authenticate with `Authorization: Bearer <key>`; keys and their scopes are made by an "
            "administrator. Errors name the field: "
            '`{"detail": "...", "errors": [{"field": "amount", "message": "..."}]}`.'
        ),
        urls_namespace="api",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"field": _field_of(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
        return api.create_response(
            request, {"detail": _("The request is not valid."), "errors": errors}, status=422
        )

    @api.exception_handler(FieldProblem)
    def field_problem(request: HttpRequest, exc: FieldProblem) -> HttpResponse:
        body = {"detail": exc.message, "errors": [{"field": exc.field, "message": exc.message}]}
        return api.create_response(request, body, status=exc.status)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request, {"detail": _("A valid API key is needed: Authorization: Bearer <key>.")}, status=401
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    return api


def api_urls(api: NinjaAPI):
    """The API's URL patterns, exempt from the sign-in redirect: every operation checks its key."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app_name, namespace
