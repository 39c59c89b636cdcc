"""Input for promises to pay and payment plans (the controller's pages)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Customer, Invoice
from creditmgmt.fields import ModelMultipleChoiceField
from creditmgmt.widgets import DateInput
from dunning.models import AgreementChannel

MAX_INSTALLMENTS = 24


def open_invoices(customer: Customer):
    return Invoice.objects.filter(
        customer=customer, status=Invoice.Status.OPEN, open_amount__gt=0, amount__gt=0
    ).order_by("due_date", "id")


class InvoiceChoiceField(ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Invoice) -> str:
        from creditmgmt.templatetags.money import money

        return f"{obj.number} · {obj.due_date:%d-%m-%Y} · {money(obj.open_amount, obj.currency)}"


class _CustomerInvoicesForm(forms.Form):
    invoices = InvoiceChoiceField(
        label=gettext_lazy("Invoices"),
        queryset=Invoice.objects.none(),
        error_messages={
            "invalid_choice": gettext_lazy("An invoice belongs to another customer or is not open.")
        },
    )

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoices"].queryset = open_invoices(customer)


class PromiseForm(_CustomerInvoicesForm):
    promised_date = forms.DateField(label=gettext_lazy("Promised date"), widget=DateInput())
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy("Empty: the invoices' open amount"),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Made by"), choices=AgreementChannel.choices, initial=AgreementChannel.PHONE
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)

    def clean_promised_date(self):
        day = self.cleaned_data["promised_date"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The promised date is in the past."))
        return day


class PlanStartForm(_CustomerInvoicesForm):
    """Step one: which invoices, how many installments, from when (GET: suggests a schedule)."""

    count = forms.IntegerField(
        label=gettext_lazy("Installments"), min_value=1, max_value=MAX_INSTALLMENTS, initial=3
    )
    first_date = forms.DateField(label=gettext_lazy("First installment"), widget=DateInput())
    channel = forms.ChoiceField(
        label=gettext_lazy("Asked by"), choices=AgreementChannel.choices, initial=AgreementChannel.PHONE
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)


def parse_schedule(data) -> tuple[list[tuple[date | None, Decimal | None]], list[str]]:
    """The edited rows (date_N, amount_N for N = 1..rows) and what is wrong with them."""
    errors: list[str] = []
    try:
        count = int(data.get("rows", "0"))
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_INSTALLMENTS:
        return [], [_("A plan has between 1 and %(n)s installments.") % {"n": MAX_INSTALLMENTS}]
    rows: list[tuple[date | None, Decimal | None]] = []
    for n in range(1, count + 1):
        raw_date, raw_amount = data.get(f"date_{n}", ""), data.get(f"amount_{n}", "").replace(",", ".")
        try:
            due = parse_date(raw_date) if raw_date else None
        except ValueError:
            due = None
        try:
            amount = Decimal(raw_amount) if raw_amount else None
        except InvalidOperation:
            amount = None
        if due is None or amount is None:
            errors.append(_("Installment %(n)s needs a date and an amount.") % {"n": n})
        rows.append((due, amount))
    return rows, errors
