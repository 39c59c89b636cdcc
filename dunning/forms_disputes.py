"""Input of the dispute pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Invoice
from creditmgmt.fields import ModelMultipleChoiceField
from creditmgmt.models import User
from dunning.models import Dispute, DisputeReason

AGES = {
    "0-7": (0, 7),
    "8-30": (8, 30),
    "31-90": (31, 90),
    "90+": (91, None),
}
OPEN_ANY = "open_any"


def active_users():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class DisputeFilterForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Reason"), queryset=DisputeReason.objects.all(), required=False, empty_label=_("All reasons")
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=active_users(), required=False, empty_label=_("All owners")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(OPEN_ANY, _("Open or investigating")), ("", _("All statuses")), *Dispute.Status.choices],
        required=False,
    )
    age = forms.ChoiceField(
        label=_("Age"),
        choices=[
            ("", _("Any age")),
            ("0-7", _("Up to a week")),
            ("8-30", _("8 to 30 days")),
            ("31-90", _("31 to 90 days")),
            ("90+", _("Over 90 days")),
        ],
        required=False,
    )


class OpenDisputeForm(forms.Form):
    invoices = ModelMultipleChoiceField(
        label=_("Invoices"), queryset=Invoice.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=DisputeReason.objects.active())
    amount = forms.DecimalField(
        label=_("Disputed amount"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("Empty: the whole open amount of the chosen invoices."),
    )
    message = forms.CharField(
        label=_("What the customer says"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[c for c in Dispute.Channel.choices if c[0] != Dispute.Channel.PORTAL],
        initial=Dispute.Channel.PHONE,
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=active_users(), required=False)
    watchers = ModelMultipleChoiceField(
        label=_("Watchers"),
        queryset=active_users(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    attachment = forms.FileField(
        label=_("Attachment"), required=False, help_text=_("PDF, PNG or JPEG, at most 10 MB.")
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoices"].queryset = Invoice.objects.filter(
            customer=customer, status=Invoice.Status.OPEN, open_amount__gt=0
        ).order_by("due_date", "id")
        self.fields["invoices"].label_from_instance = lambda i: (
            f"{i.number} · {i.due_date:%d-%m-%Y} · {i.currency} {i.open_amount}"
        )


class DisputeUpdateForm(forms.Form):
    ACTIONS = (
        "comment",
        "assign",
        "watch_add",
        "watch_remove",
        "investigate",
        "resolve",
        "reject",
        "close",
    )
    do = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    text = forms.CharField(required=False, max_length=5000)
    user = forms.ModelChoiceField(queryset=active_users(), required=False)
    amount = forms.DecimalField(required=False, max_digits=14, decimal_places=2, min_value=0)
