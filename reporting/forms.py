from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from creditmgmt.models import Role, User
from reporting.models import BUCKETS, CREDIT_LABEL, PortfolioSnapshot, ReportSubscription
from reporting.queries import Filters

PERIODS = [(3, _("3 months")), (6, _("6 months")), (12, _("12 months"))]
DRILL = [
    ("open", _("Open")),
    ("overdue", _("Overdue")),
    ("disputed", _("Disputed")),
    ("credit", CREDIT_LABEL),
    *[(b, b) for b in BUCKETS],
]


class DashboardFilterForm(forms.Form):
    months = forms.TypedChoiceField(label=_("Period"), choices=PERIODS, coerce=int, required=False)
    segment = forms.ChoiceField(
        label=_("Segment"), choices=[("", _("All segments")), *Customer.Segment.choices], required=False
    )
    controller = forms.ModelChoiceField(
        label=_("Controller"),
        queryset=User.objects.filter(role=Role.CONTROLLER).order_by("first_name", "last_name"),
        required=False,
        empty_label=_("All controllers"),
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    bucket = forms.ChoiceField(choices=DRILL, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        company = settings.COMPANY["currency"]
        found = PortfolioSnapshot.objects.order_by().values_list("currency", flat=True).distinct()
        self.fields["currency"].choices = [(c, c) for c in sorted({company, *found})]

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        controller = data.get("controller")
        return Filters(
            currency=data.get("currency") or settings.COMPANY["currency"],
            segment=data.get("segment") or "",
            controller_id=controller.pk if controller else None,
            months=data.get("months") or 12,
        )


class SubscriptionForm(forms.ModelForm):
    role = forms.ChoiceField(
        label=_("or everyone with the role"),
        required=False,
        choices=[("", "—"), *[(r, label) for r, label in Role.choices if r != Role.COUNTER]],
    )

    class Meta:
        model = ReportSubscription
        fields = ["user", "role", "frequency", "currency", "segment", "controller", "months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        readers = User.objects.filter(is_active=True).exclude(role=Role.COUNTER).order_by("first_name")
        self.fields["user"].queryset = readers
        self.fields["user"].empty_label = "—"
        self.fields["controller"].queryset = User.objects.filter(role=Role.CONTROLLER).order_by("first_name")
        self.fields["controller"].empty_label = _("All controllers")
        self.fields["frequency"].choices = ReportSubscription.Frequency.choices
        self.fields["frequency"].initial = ReportSubscription.Frequency.WEEKLY
        self.fields["currency"] = forms.ChoiceField(
            label=_("Currency"), choices=DashboardFilterForm().fields["currency"].choices
        )
        self.fields["segment"] = forms.ChoiceField(
            label=_("Segment"), required=False, choices=[("", _("All segments")), *Customer.Segment.choices]
        )
        self.fields["months"] = forms.TypedChoiceField(
            label=_("Period"), choices=PERIODS, coerce=int, initial=12
        )

    def clean(self):
        data = super().clean()
        if bool(data.get("user")) == bool(data.get("role")):
            raise forms.ValidationError(_("Choose a person or a role, not both."))
        return data
