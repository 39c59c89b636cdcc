from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from acceptance.models import Channel, Outcome, Rule
from acceptance.queries import KVK
from creditmgmt.widgets import DateInput


class CounterDecideForm(forms.Form):
    """Which company the clerk picked: a customer (pk) or a company known to the bureau (KvK)."""

    customer = forms.IntegerField(required=False, min_value=1)
    registration = forms.CharField(required=False, max_length=20)

    def clean(self):
        data = super().clean()
        if bool(data.get("customer")) == bool(data.get("registration")):
            raise forms.ValidationError(_("Pick one company from the results."))
        if data.get("registration") and not KVK.match(data["registration"]):
            self.add_error("registration", _("A KvK number has exactly 8 digits."))
        return data


class DecisionFilterForm(forms.Form):
    outcome = forms.ChoiceField(required=False, choices=[("", _("All outcomes")), *Outcome.choices])
    channel = forms.ChoiceField(required=False, choices=[("", _("All channels")), *Channel.choices])


class OverrideForm(forms.Form):
    decision = forms.IntegerField(min_value=1)
    outcome = forms.ChoiceField(choices=[(o.value, o.label) for o in (Outcome.ACCEPT, Outcome.REJECT)])
    limit = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, required=False)
    reason = forms.CharField(max_length=500)


# --- rule-set editor ---------------------------------------------------------


def _feature_choices():
    from acceptance.rules import FEATURES

    groups = {"external": _("Bureau"), "internal": _("Our ledger"), "request": _("Request")}
    return [("", "---")] + [
        (label, [(f.name, f.label) for f in FEATURES.values() if f.group == group])
        for group, label in groups.items()
    ]


def _operator_choices():
    from acceptance.rules import OPERATORS

    return [("", "---")] + [(name, label) for name, (label, _kinds) in OPERATORS.items()]


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = [
            "name",
            "name_nl",
            "outcome",
            "limit_kind",
            "limit_amount",
            "limit_share",
            "limit_cap",
            "prepayment_percent",
            "payment_terms_days",
            "reason_en",
            "reason_nl",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Blank on the model only for rules written before names had two languages.
        self.fields["name_nl"].required = True

    def clean(self):
        data = super().clean()
        kind = data.get("limit_kind")
        if kind == "fixed" and data.get("limit_amount") is None:
            self.add_error("limit_amount", _("Give the fixed limit."))
        if kind == "share" and not data.get("limit_share"):
            self.add_error("limit_share", _("Give the share of the recommended limit."))
        return data

    def _post_clean(self):
        # The version is set by the service; the model's own checks run there.
        pass


class ConditionForm(forms.Form):
    feature = forms.ChoiceField(label=_("Feature"), required=False, choices=_feature_choices)
    operator = forms.ChoiceField(label=_("Operator"), required=False, choices=_operator_choices)
    value = forms.CharField(label=_("Value"), required=False, max_length=200)

    def clean(self):
        from django.core.exceptions import ValidationError

        from acceptance.rules import parse_value

        data = super().clean()
        if not data.get("feature") and not data.get("operator"):
            return data
        try:
            parse_value(
                feature=data.get("feature", ""), operator=data.get("operator", ""), value=data["value"]
            )
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
        return data


ConditionFormSet = forms.formset_factory(ConditionForm, extra=2, max_num=12)


def conditions_of(formset) -> list[tuple[str, str, str]]:
    """(feature, operator, value) of the filled rows of a valid condition formset."""
    return [
        (row["feature"], row["operator"], row.get("value", "").strip())
        for row in formset.cleaned_data
        if row.get("feature")
    ]


class VersionTestForm(forms.Form):
    company = forms.CharField(
        label=_("Customer number, KvK number or name"),
        max_length=100,
        help_text=_("A customer, or a company the bureau knows (KvK number or name)."),
    )
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.COUNTER)


class SimulationForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=pgettext_lazy("last day of a period, inclusive", "To"), widget=DateInput())
    days = forms.IntegerField(label=_("Paid within (days after due)"), min_value=0, max_value=365, initial=30)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class CreditLimitForm(forms.Form):
    amount = forms.DecimalField(label=_("Credit limit"), min_value=0, max_digits=14, decimal_places=2)
    review_on = forms.DateField(label=_("Review on"), required=False, widget=DateInput())
    reason = forms.CharField(label=_("Why"), max_length=300)


class TemporaryLimitForm(forms.Form):
    amount = forms.DecimalField(label=_("Temporary limit"), min_value=0, max_digits=14, decimal_places=2)
    until = forms.DateField(label=_("Until"), widget=DateInput())
    reason = forms.CharField(label=_("Why"), max_length=300)


class CreditApplicationForm(forms.Form):
    registration_number = forms.CharField(label=_("KvK number"), max_length=20)
    name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        required=False,
        help_text=_("When the bureau does not know it."),
    )
    vat_number = forms.CharField(label=_("VAT number"), max_length=20, required=False)
    amount = forms.DecimalField(
        label=_("Expected amount"), required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def clean_registration_number(self):
        from acceptance.applications import clean_kvk

        return clean_kvk(self.cleaned_data["registration_number"])

    def clean_vat_number(self):
        from accounts.models import validate_vat

        value = self.cleaned_data["vat_number"].strip().upper().replace(" ", "")
        if value:
            validate_vat(value)
        return value
