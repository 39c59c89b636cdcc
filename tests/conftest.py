import socket

import pytest

from creditmgmt.models import Role
from creditmgmt.services import set_role
from tests.factories import UserFactory

PASSWORD = "secret-pass-123"


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    """Active rule versions are cached per process by pk and activation time; a rolled-back test can
    leave SQLite to give the next test's version the same pk at the same frozen moment."""
    from acceptance.services import clear_rule_cache

    clear_rule_cache()
    yield
    clear_rule_cache()


@pytest.fixture(autouse=True)
def _same_fake_data_every_run(request):
    """Factories draw names from Faker; seeding by the test's id gives each test the same names on
    every run (a failure in CI fails here too) while different tests still see different names."""
    import zlib

    from factory.random import reseed_random

    reseed_random(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request through LocaleMiddleware leaves its
    language active in the thread, so a Dutch user's request would make later tests read Dutch."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def _user(username: str, role: str):
    user = UserFactory(username=username, role=role)
    return set_role(user=user, role=role)


@pytest.fixture
def admin_user(db):
    return _user("anna.admin", Role.ADMIN)


@pytest.fixture
def manager(db):
    return _user("mark.manager", Role.MANAGER)


@pytest.fixture
def controller(db):
    return _user("chris.controller", Role.CONTROLLER)


@pytest.fixture
def other_controller(db):
    return _user("olga.controller", Role.CONTROLLER)


@pytest.fixture
def counter_clerk(db):
    return _user("cees.counter", Role.COUNTER)


@pytest.fixture
def sales_rep(db):
    return _user("sam.sales", Role.SALES)


@pytest.fixture
def users_by_role(admin_user, manager, controller, counter_clerk, sales_rep):
    return {
        Role.ADMIN: admin_user,
        Role.MANAGER: manager,
        Role.CONTROLLER: controller,
        Role.COUNTER: counter_clerk,
        Role.SALES: sales_rep,
    }


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; MAILERS points at it; yields its inbox."""
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    yield inbox
    controller.stop()


@pytest.fixture(autouse=True)
def _clear_cache():
    """The portal's rate limits count in the (per-process) cache: every test starts at zero."""
    from django.core.cache import caches

    caches["portal"].clear()
    yield
