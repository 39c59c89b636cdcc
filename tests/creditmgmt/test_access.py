"""Every URL, requested by every role: deny by default, allow what the role needs."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import services
from accounts.models import BankEntry, BankStatement
from creditmgmt.models import ApiClient, Role
from creditmgmt.services import create_api_client
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

OUR_NAMESPACES = {"accounts", "dunning", "acceptance", "reporting", "portal"}
OUR_TOP_LEVEL = {
    "home",
    "login",
    "logout",
    "set_language",
    "health",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "health",
    "logout",
    "dunning:inbox_webhook",  # a mail provider posts raw MIME with the shared secret (403 without)
}
# The customer portal: no login, a personal token in the URL instead (tested below:
# a wrong token is the same 404 page for everyone, signed in or not).
PORTAL_TOKEN_URLS = {
    "portal:home",
    "portal:paid",
    "portal:invoice_pdf",
    "portal:statement_pdf",
    "portal:pay",
    "portal:demo_checkout",
    "portal:promise",
    "portal:plan",
    "portal:dispute",
    "portal:remittance",
    "portal:details",
    "portal:messages",
    "portal:language",
}
PUBLIC |= PORTAL_TOKEN_URLS

# What each role must be able to reach; anything else must answer 403.
EXPECTED = {
    "home": set(Role.values),
    "accounts:customer_list": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "reporting:dashboard": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "reporting:bucket_customers": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "reporting:export": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "reporting:dispute_customers": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "reporting:acceptance_retro": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "reporting:figure_customers": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "reporting:forecast": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "reporting:dashboard_pdf": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "reporting:subscriptions": {Role.ADMIN, Role.MANAGER},
    "reporting:subscription_delete": {Role.ADMIN, Role.MANAGER},
    "accounts:customer_detail": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "accounts:invoice_detail": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "accounts:invoice_pdf": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "accounts:customer_edit": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:note_add": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:task_create": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:payment_record": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:delivery_block": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:contact_add": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:invoice_allocate": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:allocation_undo": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:invoice_send_copy": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:task_list": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:task_complete": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:task_snooze": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:task_reassign": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:import_upload": {Role.ADMIN, Role.MANAGER},
    "accounts:bank_home": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:bank_unmatched": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:bank_statement": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:bank_entry_match": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:bank_entry_reverse": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:bank_entry_outgoing": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "accounts:import_preview": {Role.ADMIN, Role.MANAGER},
    "accounts:import_apply": {Role.ADMIN, Role.MANAGER},
    "dunning:worklist": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:team": {Role.ADMIN, Role.MANAGER},
    "dunning:absence": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:absence_for": {Role.ADMIN, Role.MANAGER},
    "dunning:worklist_bulk": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:task_outcome": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:task_snooze": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:task_reassign": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:action_approve": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:action_cancel": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:stop_set": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:stop_lift": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:run_list": {Role.ADMIN, Role.MANAGER},
    "dunning:run_start": {Role.ADMIN, Role.MANAGER},
    "dunning:run_preview": {Role.ADMIN, Role.MANAGER},
    "dunning:outbox": {Role.ADMIN, Role.MANAGER},
    "dunning:message_detail": {Role.ADMIN, Role.MANAGER},
    "dunning:message_retry": {Role.ADMIN, Role.MANAGER},
    "dunning:letter_batch_pdf": {Role.ADMIN, Role.MANAGER},
    "dunning:procedure_list": {Role.ADMIN, Role.MANAGER},
    "dunning:procedure_detail": {Role.ADMIN, Role.MANAGER},
    "dunning:step_new": {Role.ADMIN, Role.MANAGER},
    "dunning:step_edit": {Role.ADMIN, Role.MANAGER},
    "dunning:template_list": {Role.ADMIN, Role.MANAGER},
    "dunning:template_edit": {Role.ADMIN, Role.MANAGER},
    "dunning:template_add_variant": {Role.ADMIN, Role.MANAGER},
    "dunning:template_retire": {Role.ADMIN, Role.MANAGER},
    "dunning:rule_new": {Role.ADMIN, Role.MANAGER},
    "dunning:rule_edit": {Role.ADMIN, Role.MANAGER},
    "dunning:promise_new": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:promise_cancel": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:plan_new": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:plan_detail": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "dunning:plan_decide": {Role.ADMIN, Role.MANAGER},
    "dunning:dispute_list": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "dunning:dispute_summary": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    # Sales: only disputes they own or watch (the sample dispute has the sales user as watcher).
    "dunning:dispute_detail": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "dunning:dispute_update": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "dunning:dispute_attachment": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "dunning:dispute_new": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:inbox": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:inbox_unread": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:inbox_upload": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:inbox_mail": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:inbox_link": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:inbox_update": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:inbox_accept": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:inbox_reply": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:inbox_compose": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:inbox_attachment": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "acceptance:counter": {Role.ADMIN, Role.MANAGER, Role.COUNTER},
    "acceptance:counter_decide": {Role.ADMIN, Role.MANAGER, Role.COUNTER},
    "acceptance:decision_list": {Role.ADMIN, Role.MANAGER},
    "acceptance:decision_override": {Role.ADMIN, Role.MANAGER},
    "acceptance:customer_decision": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "acceptance:rule_set_list": {Role.ADMIN, Role.MANAGER},
    "acceptance:credit_application": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "acceptance:release_request": {Role.ADMIN, Role.MANAGER, Role.COUNTER},
    "acceptance:release_status": {Role.ADMIN, Role.MANAGER, Role.COUNTER},
    "acceptance:release_list": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "acceptance:release_answer": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "acceptance:checkpoint_update": {Role.ADMIN, Role.MANAGER},
    "acceptance:customer_limit": {Role.ADMIN, Role.MANAGER},
    "acceptance:version_detail": {Role.ADMIN, Role.MANAGER},
    "acceptance:rule_add": {Role.ADMIN, Role.MANAGER},
    "acceptance:version_activate": {Role.ADMIN, Role.MANAGER},
    "acceptance:version_copy": {Role.ADMIN, Role.MANAGER},
    "acceptance:version_test": {Role.ADMIN, Role.MANAGER},
    "acceptance:version_simulate": {Role.ADMIN, Role.MANAGER},
    "acceptance:rule_edit": {Role.ADMIN, Role.MANAGER},
    "acceptance:rule_delete": {Role.ADMIN, Role.MANAGER},
    "acceptance:rule_move": {Role.ADMIN, Role.MANAGER},
    "portal:staff_new_link": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "portal:staff_revoke": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "portal:staff_change_decide": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "portal:staff_remittance": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
}


def our_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = entry.namespace or ""
            if namespace in OUR_NAMESPACES:
                yield from our_patterns(entry, f"{namespace}:")
        elif isinstance(entry, URLPattern) and entry.name:
            name = prefix + entry.name
            if prefix or entry.name in OUR_TOP_LEVEL:
                yield name, entry


@pytest.fixture
def ledger(controller):
    customer = CustomerFactory(controller=controller)
    today = date.today()
    invoice = services.post_invoice(
        customer=customer,
        number="F-1",
        issue_date=today - timedelta(days=40),
        due_date=today - timedelta(days=10),
        amount=Decimal("100.00"),
        by="test",
    )
    payment = services.record_payment(customer=customer, amount=Decimal("30"), value_date=today, by="t")
    allocation = services.allocate(invoice=invoice, payment=payment, by="test")
    task = services.create_task(customer=customer, title="Call", due_date=today, by="test")
    statement = BankStatement.objects.create(
        format="camt.053", account="NL91ABNA0417164300", file_name="t", file_sha256="0"
    )
    entry = BankEntry.objects.create(
        statement=statement,
        key="k",
        booking_date=today,
        value_date=today,
        amount=Decimal("5"),
        direction="credit",
    )
    from reporting.models import ReportSubscription

    return {
        "subscription": ReportSubscription.objects.create(role="manager", frequency="weekly", currency="EUR"),
        "customer": customer,
        "invoice": invoice,
        "allocation": allocation,
        "task": task,
        "controller": controller,
        "statement": statement,
        "entry": entry,
        **dunning_objects(customer),
        **acceptance_objects(customer),
    }


def acceptance_objects(customer):
    from acceptance.models import RuleSetVersion

    version = RuleSetVersion.objects.get(rule_set__code="medium", status="active")
    from acceptance.models import Decision, ReleaseRequest
    from creditmgmt.models import User

    clerk = User.objects.filter(role=Role.COUNTER).first() or User.objects.first()
    decision = Decision.objects.create(
        customer=customer,
        company_name=customer.name,
        version=version,
        channel="counter",
        requester=clerk,
        outcome="reject",
        limit=0,
        available=0,
    )
    release = ReleaseRequest.objects.create(decision=decision, customer=customer, requested_by=clerk)
    return {
        "rule_set_version": version,
        "policy_rule": version.rules.order_by("position").first(),
        "release": release,
    }


def dunning_objects(customer):
    from dunning.models import (
        AssignmentRule,
        DunningAction,
        DunningStop,
        LetterBatch,
        Message,
        PaymentPlan,
        Procedure,
        Promise,
        Template,
    )

    procedure = Procedure.objects.get(code="medium")
    step = procedure.steps.get(position=4)
    action = DunningAction.objects.create(
        customer=customer,
        procedure=procedure,
        step=step,
        cycle=1,
        date=date.today(),
        status="waiting",
        amount=Decimal("70.00"),
        days_overdue=10,
    )
    message = Message.objects.create(
        customer=customer,
        channel="email",
        language="nl",
        recipient="ap@example.com",
        subject="Herinnering",
        body="Betaal",
        idempotency_key="access-test",
    )
    return {
        "procedure": procedure,
        "step": step,
        "template": Template.objects.current().first(),
        "rule": AssignmentRule.objects.first(),
        "action": action,
        "message": message,
        "batch": LetterBatch.objects.create(date=date.today(), file="", count=0),
        "stop": DunningStop.objects.create(customer=customer, reason="other"),
        "promise": Promise.objects.create(
            customer=customer,
            amount=Decimal("70.00"),
            open_at_promise=Decimal("70.00"),
            promised_date=date.today(),
            paused_until=date.today() + timedelta(days=3),
            channel="phone",
        ),
        **inbox_objects(),
        "plan": PaymentPlan.objects.create(
            customer=customer, amount=Decimal("70.00"), status="requested", channel="phone"
        ),
        "dispute": sample_dispute(customer),
        **portal_objects(customer),
    }


def portal_objects(customer):
    from django.core.files.base import ContentFile

    from dunning.models import ChangeRequest, RemittanceAdvice

    advice = RemittanceAdvice(
        customer=customer, original_name="a.pdf", content_type="application/pdf", size=5
    )
    advice.file.save("a.pdf", ContentFile(b"%PDF-"), save=False)
    advice.save()
    change = ChangeRequest.objects.create(customer=customer, kind="contact", changes={"city": ["", "Ede"]})
    return {"remittance": advice, "change_request": change}


def sample_dispute(customer):
    from creditmgmt.models import User
    from dunning.models import DisputeReason
    from dunning.services.disputes import open_dispute

    dispute = open_dispute(
        customer=customer,
        invoices=customer.invoices.all(),
        reason=DisputeReason.objects.get(code="price"),
        amount=Decimal("10.00"),
        by="test",
    )
    dispute.watchers.set(User.objects.filter(role=Role.SALES))
    return dispute


def inbox_objects():
    from dunning.models import InboundAttachment, InboundMail

    mail = InboundMail.objects.create(content_hash="0" * 64, raw=b"x", source="upload", subject="Hi")
    attachment = InboundAttachment.objects.create(
        mail=mail, filename="a.pdf", content_type="application/pdf", size=1, data=b"%"
    )
    return {"mail": mail, "attachment": attachment}


# Which object the <pk> of each URL names.
PK_OF = {
    "accounts:customer_detail": "customer",
    "accounts:customer_edit": "customer",
    "accounts:note_add": "customer",
    "accounts:task_create": "customer",
    "accounts:payment_record": "customer",
    "accounts:delivery_block": "customer",
    "accounts:contact_add": "customer",
    "accounts:invoice_detail": "invoice",
    "accounts:invoice_pdf": "invoice",
    "accounts:invoice_allocate": "invoice",
    "accounts:invoice_send_copy": "invoice",
    "accounts:allocation_undo": "allocation",
    "accounts:task_complete": "task",
    "accounts:task_snooze": "task",
    "accounts:task_reassign": "task",
    "accounts:bank_statement": "statement",
    "accounts:bank_entry_match": "entry",
    "accounts:bank_entry_reverse": "entry",
    "accounts:bank_entry_outgoing": "entry",
    "dunning:task_outcome": "task",
    "dunning:absence_for": "controller",
    "dunning:task_snooze": "task",
    "dunning:task_reassign": "task",
    "dunning:action_approve": "action",
    "dunning:action_cancel": "action",
    "dunning:stop_set": "customer",
    "dunning:stop_lift": "stop",
    "dunning:message_detail": "message",
    "dunning:message_retry": "message",
    "dunning:letter_batch_pdf": "batch",
    "dunning:procedure_detail": "procedure",
    "dunning:step_new": "procedure",
    "dunning:template_edit": "template",
    "dunning:template_add_variant": "template",
    "dunning:template_retire": "template",
    "dunning:rule_edit": "rule",
    "dunning:promise_new": "customer",
    "dunning:promise_cancel": "promise",
    "dunning:plan_new": "customer",
    "dunning:plan_detail": "plan",
    "dunning:plan_decide": "plan",
    "dunning:dispute_detail": "dispute",
    "dunning:dispute_update": "dispute",
    "dunning:dispute_attachment": "dispute",
    "dunning:dispute_new": "customer",
    "dunning:inbox_mail": "mail",
    "dunning:inbox_link": "mail",
    "dunning:inbox_update": "mail",
    "dunning:inbox_accept": "mail",
    "dunning:inbox_reply": "mail",
    "dunning:inbox_attachment": "attachment",
    "acceptance:customer_decision": "customer",
    "reporting:subscription_delete": "subscription",
    "acceptance:customer_limit": "customer",
    "acceptance:release_status": "release",
    "acceptance:release_answer": "release",
    # The active medium version and its first rule: edits are refused (302 with a message).
    "acceptance:version_detail": "rule_set_version",
    "acceptance:rule_add": "rule_set_version",
    "acceptance:version_activate": "rule_set_version",
    "acceptance:version_copy": "rule_set_version",
    "acceptance:version_test": "rule_set_version",
    "acceptance:version_simulate": "rule_set_version",
    "acceptance:rule_edit": "policy_rule",
    "acceptance:rule_delete": "policy_rule",
    "acceptance:rule_move": "policy_rule",
    "portal:staff_new_link": "customer",
    "portal:staff_revoke": "customer",
    "portal:staff_change_decide": "change_request",
    "portal:staff_remittance": "remittance",
}


def kwargs_for(name, pattern, ledger):
    params = set(pattern.pattern.converters)
    if not params:
        return {}
    if params == {"pk"}:
        return {"pk": ledger[PK_OF[name]].pk}
    if params == {"pk", "step_pk"}:
        return {"pk": ledger["procedure"].pk, "step_pk": ledger["step"].pk}
    if params == {"table", "fmt"}:
        return {"table": "trend", "fmt": "csv"}
    if params == {"figure"}:
        return {"figure": "promises"}
    if params == {"uidb64", "token"}:
        return {"uidb64": "MQ", "token": "set-password"}
    if params == {"token"}:
        return {"token": "0" * 32}
    if params == {"token", "pk"}:
        return {"token": "0" * 32, "pk": ledger["invoice"].pk}
    raise AssertionError(f"Add sample arguments for {name} ({params}) to this test")


def test_every_view_declares_its_roles():
    """Deny by default: a view without a role list (or a public mark) fails this test."""
    undeclared = []
    for name, pattern in our_patterns():
        callback = pattern.callback
        view_class = getattr(callback, "view_class", None)
        public = getattr(callback, "login_required", True) is False or (
            view_class is not None and getattr(view_class, "login_required", True) is False
        )
        if not hasattr(callback, "allowed_roles") and not public and name not in PUBLIC:
            undeclared.append(name)
    assert undeclared == []


def test_every_url_covered_by_expectations():
    names = {name for name, _ in our_patterns()}
    missing = names - set(EXPECTED) - PUBLIC
    assert missing == set(), f"Add these URLs to EXPECTED: {sorted(missing)}"


@pytest.mark.parametrize("role", Role.values)
def test_every_url_for_role(client, users_by_role, ledger, role):
    client.force_login(users_by_role[role])
    problems = []
    for name, pattern in our_patterns():
        if name in PUBLIC or name not in EXPECTED:
            continue
        url = reverse(name, kwargs=kwargs_for(name, pattern, ledger))
        allowed = role in EXPECTED[name]
        get = client.get(url)
        # POST-only actions answer 405 to GET: try them with an empty form.
        response = client.post(url, {}) if get.status_code == 405 else get
        ok = response.status_code in (200, 302) if allowed else response.status_code == 403
        if not ok:
            problems.append(f"{name} {url}: {response.status_code} (allowed={allowed})")
    assert problems == []


def test_anonymous_is_sent_to_login(client, ledger):
    for name, pattern in our_patterns():
        if name in PUBLIC:
            continue
        url = reverse(name, kwargs=kwargs_for(name, pattern, ledger))
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_public_pages_open(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("password_reset")).status_code == 200
    assert client.get(reverse("health")).json() == {"status": "ok"}


# The API is for API clients (a key with scopes), not for roles: a signed-in person without a
# key is refused like anyone else (401), and no role opens it. Each URL names the scope it needs;
# None: public (the OpenAPI description and its docs page).
API = {
    "api:decision_create": ApiClient.Scope.DECIDE,
    "api:customer_credit": ApiClient.Scope.CREDIT,
    "api:openapi-json": None,
    "api:openapi-view": None,
    "api:api-root": None,  # ninja's root: 404, only there to build the other URLs
}


def api_patterns():
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "api":
            for pattern in entry.url_patterns:
                yield f"api:{pattern.name}", pattern


def api_url(name, pattern, ledger):
    params = set(pattern.pattern.converters)
    return reverse(name, kwargs={"number": ledger["customer"].number} if params == {"number"} else {})


def api_call(client, url, key=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = client.get(url, headers=headers)
    if response.status_code == 405:
        response = client.post(url, data="{}", content_type="application/json", headers=headers)
    return response


def test_every_api_url_names_its_scope():
    assert {name for name, _ in api_patterns()} == set(API)


@pytest.mark.parametrize("role", [None, *Role.values])
def test_the_api_refuses_people_without_a_key(client, users_by_role, ledger, role):
    if role:
        client.force_login(users_by_role[role])
    for name, pattern in api_patterns():
        response = api_call(client, api_url(name, pattern, ledger))
        if API[name] is None:
            assert response.status_code in (200, 404), name
        else:
            assert response.status_code == 401 and "API key" in response.json()["detail"], name


def test_the_api_lets_a_key_in_only_with_the_scope(client, ledger):
    for name, pattern in api_patterns():
        if API[name] is None:
            continue
        url = api_url(name, pattern, ledger)
        without = create_api_client(
            name=f"without {name}", scopes=[s for s in ApiClient.Scope if s != API[name]]
        )
        assert api_call(client, url, without[1]).status_code == 403, name
        with_scope = create_api_client(name=f"with {name}", scopes=[API[name]])
        assert api_call(client, url, with_scope[1]).status_code not in (401, 403), name


@pytest.mark.parametrize("role", [None, *Role.values])
def test_portal_with_a_wrong_token_is_the_same_plain_404_for_everyone(
    client, users_by_role, ledger, role, settings
):
    from dunning.portal.guard import not_found_body

    settings.PORTAL_FAILED_PER_IP = 1000  # this test guesses on purpose (the limit has its own test)

    if role:
        client.force_login(users_by_role[role])
    names = {name for name, _ in our_patterns() if name.startswith("portal:") and name not in EXPECTED}
    assert names == PORTAL_TOKEN_URLS
    for name, pattern in our_patterns():
        if name not in PORTAL_TOKEN_URLS:
            continue
        url = reverse(name, kwargs=kwargs_for(name, pattern, ledger))
        for response in (client.get(url), client.post(url, {})):
            assert (response.status_code, response.content) == (404, not_found_body()), name


def test_portal_with_a_real_token_opens_without_login(client, ledger):
    from urllib.parse import urlsplit

    from dunning.portal.services import make_link

    path = urlsplit(make_link(customer=ledger["customer"], by="test")).path
    token = path.strip("/").split("/")[1]
    for name, pattern in our_patterns():
        if name not in PORTAL_TOKEN_URLS:
            continue
        kwargs = {**kwargs_for(name, pattern, ledger), "token": token}
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code in (200, 302, 405), name
