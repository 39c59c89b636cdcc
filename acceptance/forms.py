from django import forms
from django.utils.translation import gettext_lazy as _

from acceptance.models import Channel, Outcome
from acceptance.queries import KVK


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
