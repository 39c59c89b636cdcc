"""Portal forms. Invoice choices are always the token's customer's own open invoices."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from creditmgmt.fields import ModelMultipleChoiceField, beyond_any_id
from creditmgmt.templatetags.money import money
from creditmgmt.widgets import DateInput


def invoice_label(invoice) -> str:
    return _("%(number)s · %(amount)s · due %(due)s") % {
        "number": invoice.number,
        "amount": money(invoice.open_amount, invoice.currency),
        "due": date_format(invoice.due_date, "SHORT_DATE_FORMAT"),
    }


def no_silent_cut(form: forms.Form, *names: str) -> None:
    """Drop the textareas' maxlength: a browser cuts pasted text at it without a word. The field's
    max_length still holds; the server then says how long it may be and shows the text again."""
    for name in names:
        form.fields[name].widget.attrs.pop("maxlength", None)


class InvoiceChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return invoice_label(obj)


class InvoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if beyond_any_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class InvoicesForm(forms.Form):
    """Base: a multiple choice of the customer's open invoices (ids from elsewhere are refused)."""

    invoices = InvoiceChoiceField(queryset=None, label=_("Invoices"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, open_invoices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoices"].queryset = open_invoices


class PayForm(InvoicesForm):
    pass


class PromiseForm(InvoicesForm):
    promised_date = forms.DateField(label=_("I will pay on"), widget=DateInput())

    def clean_promised_date(self):
        value = self.cleaned_data["promised_date"]
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError(_("Choose today or a later date."))
        if value > today + timedelta(days=90):
            raise forms.ValidationError(_("Choose a date within 90 days, or ask for a payment plan."))
        return value


class PlanForm(InvoicesForm):
    count = forms.TypedChoiceField(
        label=_("Number of monthly installments"),
        coerce=int,
        choices=[(n, str(n)) for n in range(2, 13)],
        initial=3,
    )
    first_date = forms.DateField(label=_("First installment on"), widget=DateInput())
    note = forms.CharField(
        label=_("Anything we should know?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        no_silent_cut(self, "note")

    def clean_first_date(self):
        value = self.cleaned_data["first_date"]
        today = timezone.localdate()
        if value < today or value > today + timedelta(days=60):
            raise forms.ValidationError(_("The first installment is within 60 days from today."))
        return value


class DisputeForm(forms.Form):
    invoice = InvoiceField(queryset=None, label=_("Invoice"))
    reason = forms.ChoiceField(label=_("What is wrong?"))
    message = forms.CharField(
        label=_("Tell us more"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachment = forms.FileField(
        label=_("Attachment (PDF, PNG or JPEG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )

    def __init__(self, *args, open_invoices, reasons, needs_words=frozenset(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = open_invoices
        self.fields["invoice"].label_from_instance = invoice_label
        # Nothing chosen for the customer: an untouched list must not file the dispute as the first reason.
        self.fields["reason"].choices = [("", _("Choose what is wrong")), *reasons]
        self.needs_words = needs_words
        no_silent_cut(self, "message")

    def clean(self):
        data = super().clean()
        if data.get("reason") in self.needs_words and not data.get("message"):
            self.add_error("message", _("Tell us what is wrong, in a few words."))
        return data


class RemittanceForm(forms.Form):
    file = forms.FileField(
        label=_("Remittance advice (PDF, PNG or JPEG)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.PORTAL_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(mb)s MB.")
                % {"mb": settings.PORTAL_UPLOAD_MAX_BYTES // 1_048_576}
            )
        return upload


class ContactForm(forms.Form):
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("E-mail for invoices and reminders"), required=False)
    contact_phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=16, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=[("nl", "Nederlands"), ("en", "English")])
    channel = forms.ChoiceField(
        label=_("Send reminders by"),
        choices=[(Contact.Channel.EMAIL, _("E-mail")), (Contact.Channel.LETTER, _("Letter"))],
    )
