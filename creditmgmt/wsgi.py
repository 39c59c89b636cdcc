"""The WSGI application: two Django handlers, one per kind of caller.

Browsers get the whole middleware stack (sessions, CSRF, messages, sign-in...). Machines
calling /api/ authenticate with a key on every request and need none of that: their handler
runs settings.API_MIDDLEWARE, which saves the decision API about a tenth of its CPU (the
webshops' hundreds of decisions a second). gunicorn and runserver (WSGI_APPLICATION) serve
this; Django's test client runs the whole stack for both, so tests/creditmgmt/test_wsgi.py
calls this application itself.
"""

import os

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditmgmt.settings")

web = get_wsgi_application()  # sets Django up


class ApiHandler(WSGIHandler):
    """A handler whose middleware is settings.API_MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler builds its chain from settings.MIDDLEWARE; this runs once, at start-up.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


api = ApiHandler()
# Import every view now rather than on the first request: with gunicorn's preload_app
# (creditmgmt/gunicorn.py) that is once, in the master, for all its workers.
_views = get_resolver().url_patterns
API_PREFIX = "/api/"


def application(environ, start_response):
    handler = api if environ.get("PATH_INFO", "").startswith(API_PREFIX) else web
    return handler(environ, start_response)
