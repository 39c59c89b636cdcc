from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact, Customer, Task
from accounts.queries import MINE, NO_ACCOUNT_MANAGER, SORTS
from creditmgmt.models import Role, User
from creditmgmt.widgets import DateInput


def task_assignees():
    """The people a task or a customer can be handed to: active controllers and managers."""
    return User.objects.filter(is_active=True, role__in=[Role.CONTROLLER, Role.MANAGER]).order_by(
        "first_name", "last_name"
    )


def account_managers(keep_id: int | None = None):
    """The people who can be a customer's account manager: active users with the sales role.

    `keep_id`: the customer's current one, a choice still after leaving sales, so saving the
    customer's other fields keeps it.
    """
    people = User.objects.filter(is_active=True, role=Role.SALES)
    if keep_id is not None:
        people = people | User.objects.filter(pk=keep_id)
    return people.order_by("first_name", "last_name", "pk")


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name, number, KvK or city"), "type": "search"}),
    )
    controller = forms.ModelChoiceField(
        label=_("Controller"),
        queryset=User.objects.filter(is_active=True, role=Role.CONTROLLER),
        required=False,
        empty_label=_("All controllers"),
    )
    account_manager = forms.ChoiceField(label=_("Account manager"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Customer.Status.choices],
        required=False,
    )
    risk_class = forms.ChoiceField(
        label=_("Risk class"),
        choices=[("", _("All risk classes")), *Customer.RiskClass.choices],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)

    def __init__(self, data=None, *, user, **kwargs):
        # Sales open the list on their own customers; "all" stays one choice away.
        if user.role == Role.SALES and (data is None or "account_manager" not in data):
            data = data.copy() if data is not None else {}
            data["account_manager"] = MINE
        super().__init__(data, **kwargs)
        mine = [(MINE, _("My customers"))] if user.role == Role.SALES else []
        self.fields["account_manager"].choices = [
            ("", _("All account managers")),
            *mine,
            (NO_ACCOUNT_MANAGER, _("No account manager")),
            *[(str(u.pk), u.get_full_name() or u.username) for u in account_managers()],
        ]


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "name",
            "legal_form",
            "kvk_number",
            "vat_number",
            "address",
            "postal_code",
            "city",
            "country",
            "language",
            "segment",
            "parent",
            "controller",
            "account_manager",
            "credit_limit",
            "payment_terms_days",
            "status",
            "risk_class",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["controller"].queryset = task_assignees()
        self.fields["account_manager"].queryset = account_managers(self.instance.account_manager_id)
        self.fields["parent"].queryset = Customer.objects.exclude(pk=self.instance.pk).only(
            "id", "name", "number"
        )
        self.fields["parent"].widget = forms.TextInput(attrs={"placeholder": _("Customer id")})
        # The values the user saw travel along, so a change made meanwhile by
        # someone else is noticed instead of silently overwritten.
        for field in self.fields.values():
            field.show_hidden_initial = True

    def values_seen(self) -> dict:
        seen = {}
        for name in self.changed_data:
            if self.add_initial_prefix(name) not in self.data:
                continue  # posted without what the user saw (API, old page): no check
            field = self.fields[name]
            raw = field.hidden_widget().value_from_datadict(
                self.data, self.files, self.add_initial_prefix(name)
            )
            try:
                value = field.clean(raw)
            except forms.ValidationError:
                continue
            seen[name] = value
        return seen


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Write a note for the team…")}),
    )


class TaskCreateForm(forms.Form):
    title = forms.CharField(label=_("What"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Task.Kind.choices, initial=Task.Kind.FOLLOW_UP)
    due_date = forms.DateField(label=_("When"), widget=DateInput())
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Task.Priority.choices, coerce=int, initial=Task.Priority.NORMAL
    )


class TaskCompleteForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Task.Outcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class TaskSnoozeForm(forms.Form):
    until = forms.DateField(label=_("Until"), widget=DateInput())

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= timezone.localdate():
            raise forms.ValidationError(_("Choose a day after today."))
        return until


class TaskReassignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Hand to"), queryset=task_assignees())


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    value_date = forms.DateField(label=_("Value date"), widget=DateInput())
    reference = forms.CharField(label=_("Reference"), max_length=140, required=False)
    allocate_oldest_first = forms.BooleanField(
        label=_("Allocate to the oldest open invoices"), required=False, initial=True
    )


class AllocationForm(forms.Form):
    source = forms.ChoiceField(label=_("Pay with"))
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Empty: as much as possible"),
    )

    def __init__(self, *args, payments=(), credit_notes=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (
                f"p{p.pk}",
                _("Payment %(date)s — %(currency)s %(amount)s free")
                % {"date": p.value_date, "currency": p.currency, "amount": p.unallocated_amount},
            )
            for p in payments
        ] + [
            (
                f"c{c.pk}",
                _("Credit note %(number)s — %(currency)s %(amount)s free")
                % {"number": c.number, "currency": c.currency, "amount": -c.open_amount},
            )
            for c in credit_notes
        ]
        self.fields["source"].choices = choices


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "email", "phone", "language", "preferred_channel", "is_primary"]


class DeliveryBlockForm(forms.Form):
    blocked = forms.BooleanField(required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
