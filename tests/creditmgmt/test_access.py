"""Every URL, requested by every role: deny by default, allow what the role needs."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import services
from accounts.models import BankEntry, BankStatement
from creditmgmt.models import Role
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
}
# The customer portal: no login, a personal token in the URL instead (tested below:
# a wrong token is the same plain 404 for everyone, signed in or not).
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
    "accounts:import_preview": {Role.ADMIN, Role.MANAGER},
    "accounts:import_apply": {Role.ADMIN, Role.MANAGER},
    "dunning:worklist": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
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
    "dunning:rule_new": {Role.ADMIN, Role.MANAGER},
    "dunning:rule_edit": {Role.ADMIN, Role.MANAGER},
    "dunning:dispute_list": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "dunning:dispute_summary": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    # Sales: only disputes they own or watch (the sample dispute has the sales user as watcher).
    "dunning:dispute_detail": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "dunning:dispute_update": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "dunning:dispute_attachment": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    "dunning:dispute_new": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:promise_new": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:promise_cancel": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:plan_new": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:plan_detail": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER},
    "dunning:plan_decide": {Role.ADMIN, Role.MANAGER},
    "acceptance:counter": {Role.ADMIN, Role.MANAGER, Role.COUNTER},
    "acceptance:counter_decide": {Role.ADMIN, Role.MANAGER, Role.COUNTER},
    "acceptance:decision_list": {Role.ADMIN, Role.MANAGER},
    "acceptance:decision_override": {Role.ADMIN, Role.MANAGER},
    "acceptance:customer_decision": {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
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
    return {
        "customer": customer,
        "invoice": invoice,
        "allocation": allocation,
        "task": task,
        "statement": statement,
        "entry": entry,
        **dunning_objects(customer),
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
        "dispute": sample_dispute(customer),
        "promise": Promise.objects.create(
            customer=customer,
            amount=Decimal("70.00"),
            open_at_promise=Decimal("70.00"),
            promised_date=date.today(),
            paused_until=date.today() + timedelta(days=3),
            channel="phone",
        ),
        "plan": PaymentPlan.objects.create(
            customer=customer, amount=Decimal("70.00"), status="requested", channel="phone"
        ),
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
    "dunning:task_outcome": "task",
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
    "dunning:rule_edit": "rule",
    "dunning:dispute_detail": "dispute",
    "dunning:dispute_update": "dispute",
    "dunning:dispute_attachment": "dispute",
    "dunning:dispute_new": "customer",
    "dunning:promise_new": "customer",
    "dunning:promise_cancel": "promise",
    "dunning:plan_new": "customer",
    "dunning:plan_detail": "plan",
    "dunning:plan_decide": "plan",
    "acceptance:customer_decision": "customer",
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


@pytest.mark.parametrize("role", [None, *Role.values])
def test_portal_with_a_wrong_token_is_the_same_plain_404_for_everyone(
    client, users_by_role, ledger, role, settings
):
    from dunning.portal.guard import NOT_FOUND_BODY

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
            assert (response.status_code, response.content) == (404, NOT_FOUND_BODY), name


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
