"""factory-boy factories for the ledger. Amounts are Decimal, dates are dates."""

from datetime import date, timedelta
from decimal import Decimal

import factory

from accounts.models import Contact, Customer, Invoice, Payment, Task
from creditmgmt.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.CONTROLLER
    password = factory.django.Password("secret-pass-123")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    number = factory.Sequence(lambda n: f"C{n:06d}")
    name = factory.Faker("company", locale="nl_NL")
    kvk_number = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    city = factory.Faker("city", locale="nl_NL")
    country = "NL"
    language = "nl"
    currency = "EUR"
    credit_limit = Decimal("10000.00")
    payment_terms_days = 30


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name", locale="nl_NL")
    email = factory.Sequence(lambda n: f"ap{n}@customer.example")
    role = Contact.Role.ACCOUNTS_PAYABLE


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An invoice written straight to the table; use services.post_invoice in service tests."""

    class Meta:
        model = Invoice

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"INV{n:07d}")
    issue_date = factory.LazyFunction(lambda: date.today() - timedelta(days=40))
    due_date = factory.LazyAttribute(lambda i: i.issue_date + timedelta(days=30))
    currency = "EUR"
    amount = Decimal("1210.00")
    vat_amount = Decimal("210.00")
    open_amount = factory.LazyAttribute(lambda i: i.amount)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    customer = factory.SubFactory(CustomerFactory)
    value_date = factory.LazyFunction(date.today)
    currency = "EUR"
    amount = Decimal("500.00")
    unallocated_amount = factory.LazyAttribute(lambda p: p.amount)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    customer = factory.SubFactory(CustomerFactory)
    title = factory.Sequence(lambda n: f"Call about overdue invoices #{n}")
    due_date = factory.LazyFunction(date.today)
    kind = Task.Kind.CALL
