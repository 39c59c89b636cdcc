import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from creditmgmt.models import LoginAttempt
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_login_and_logout(client, controller):
    response = client.post(reverse("login"), {"username": controller.username, "password": PASSWORD})
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home["Location"] == reverse("dunning:worklist")
    client.post(reverse("logout"))
    assert client.get(reverse("accounts:customer_list")).status_code == 302


def test_sales_start_on_customers_counter_sees_no_ledger(client, counter_clerk, sales_rep):
    client.force_login(sales_rep)
    assert client.get(reverse("home"))["Location"] == reverse("accounts:customer_list")
    client.force_login(counter_clerk)
    assert client.get(reverse("home"))["Location"] == reverse("acceptance:counter")
    page = client.get(reverse("acceptance:counter"))
    assert page.status_code == 200
    assert reverse("accounts:customer_list") not in page.text


@override_settings(LOGIN_THROTTLE_ATTEMPTS=3)
def test_login_is_throttled_after_failures(client, controller, manager):
    for _ in range(3):
        response = client.post(reverse("login"), {"username": controller.username, "password": "wrong"})
        assert response.status_code == 200
    blocked = client.post(reverse("login"), {"username": controller.username, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.text
    assert "_auth_user_id" not in client.session
    # Other spellings of the same name that would sign in are counted too.
    for spelling in (f" {controller.username}", controller.username.upper() + " "):
        again = client.post(reverse("login"), {"username": spelling, "password": PASSWORD})
        assert again.status_code == 429
    # Someone else in the office (same address) is not locked out by these typos.
    other = client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})
    assert other.status_code == 302
    LoginAttempt.objects.all().delete()
    ok = client.post(reverse("login"), {"username": controller.username, "password": PASSWORD})
    assert ok.status_code == 302


def test_password_reset_mail_over_real_smtp(client, controller, smtp_server):
    inbox = smtp_server
    response = client.post(reverse("password_reset"), {"email": controller.email})
    assert response.status_code == 302
    assert len(inbox.messages) == 1
    assert inbox.messages[0].rcpt_tos == [controller.email]
    body = inbox.messages[0].content.decode()
    link = re.search(r"http://testserver(/reset/\S+/)", body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "N3w-pass-word!", "new_password2": "N3w-pass-word!"}
    )
    assert done.status_code == 302
    controller.refresh_from_db()
    assert controller.check_password("N3w-pass-word!")


def test_language_switch(client, controller):
    client.force_login(controller)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/customers/"})
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "en"


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set for e2e only
        "DJANGO_SETTINGS_MODULE": "creditmgmt.settings",
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_HOST": "smtp.example.com",
        # The check opens the database; the test run's own DATABASE_URL may not exist.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "ALLOWED_HOSTS": "credit.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_bad_setting_value_fails_loudly():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "creditmgmt.settings", "DEBUG": "maybe"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DEBUG='maybe'" in result.stderr


@override_settings(LANGUAGE_CODE="nl")
def test_dutch_is_the_default_and_english_a_click_away(client):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "Inloggen" in page.text and 'lang="nl"' in page.text
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert "Sign in" in client.get(reverse("login")).text


@override_settings(LANGUAGE_CODE="nl")
def test_user_language_is_remembered_at_sign_in(client, controller):
    controller.language = "en"
    controller.save()
    client.post(reverse("login"), {"username": controller.username, "password": PASSWORD})
    page = client.get(reverse("accounts:customer_list"))
    assert "Customers" in page.text


def test_pages_carry_a_strict_content_security_policy(client, controller):
    client.force_login(controller)
    response = client.get(reverse("accounts:customer_list"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-eval" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'nonce="{nonce}"' in response.text  # the htmx script tag carries it


def test_no_secret_key_without_debug_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "creditmgmt.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
