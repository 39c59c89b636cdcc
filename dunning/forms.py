from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import task_assignees
from accounts.models import Customer, Language
from creditmgmt.widgets import DateInput
from dunning.models import AssignmentRule, Behaviour, Channel, DunningStop, Procedure, Step
from dunning.services.actions import OutcomeCode


class StopForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DunningStop.Reason.choices)
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: until lifted"),
    )
    invoice = forms.IntegerField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until and until < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return until


class OutcomeForm(forms.Form):
    code = forms.ChoiceField(label=_("Outcome"), choices=OutcomeCode.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    # With "payment promised": the date records a promise to pay on the task's invoices.
    promised_date = forms.DateField(label=_("Promised date"), required=False)


class BulkForm(forms.Form):
    ACTIONS = [("approve", _("Approve and send")), ("snooze", _("Snooze")), ("reassign", _("Hand over"))]
    tasks = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    do = forms.ChoiceField(choices=ACTIONS)
    until = forms.DateField(required=False, widget=DateInput())
    assignee = forms.ModelChoiceField(required=False, queryset=task_assignees())

    def __init__(self, *args, task_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"].choices = [(pk, pk) for pk in task_ids]

    def clean(self):
        data = super().clean()
        if data.get("do") == "snooze" and (not data.get("until") or data["until"] <= timezone.localdate()):
            self.add_error("until", _("Choose a day after today."))
        if data.get("do") == "reassign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose a person."))
        return data


class ProcedureForm(forms.ModelForm):
    class Meta:
        model = Procedure
        fields = ["name", "description", "minimum_amount", "min_interval_days", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class StepForm(forms.ModelForm):
    class Meta:
        model = Step
        fields = [
            "position",
            "name",
            "offset_days",
            "action",
            "template_key",
            "requires_approval",
            "charge_costs",
            "charge_interest",
        ]


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}))


class NewTemplateForm(TemplateForm):
    key = forms.SlugField(label=_("Key"), max_length=60)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


def _multi(choices, label):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class RuleForm(forms.ModelForm):
    risk_classes = _multi(Customer.RiskClass.choices, _("Risk classes"))
    segments = _multi(Customer.Segment.choices, _("Segments"))
    behaviours = _multi(Behaviour.choices, _("Payment behaviour"))
    languages = _multi(Language.choices, _("Languages"))
    countries = forms.CharField(
        label=_("Countries"), required=False, help_text=_("ISO codes, comma separated; empty: any")
    )

    class Meta:
        model = AssignmentRule
        fields = [
            "position",
            "name",
            "procedure",
            "risk_classes",
            "segments",
            "behaviours",
            "languages",
            "countries",
            "min_open_amount",
            "max_open_amount",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            self.initial["countries"] = ", ".join(self.instance.countries or [])

    def clean_countries(self):
        raw = self.cleaned_data.get("countries") or ""
        codes = [c.strip().upper() for c in raw.split(",") if c.strip()]
        bad = [c for c in codes if len(c) != 2 or not c.isalpha()]
        if bad:
            raise forms.ValidationError(_("Not a country code: %(codes)s") % {"codes": ", ".join(bad)})
        return codes


class AbsenceForm(forms.Form):
    absent_until = forms.DateField(
        label=_("Away until (last day)"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: available. From now until this day, tasks go to the deputy."),
    )
    deputy = forms.ModelChoiceField(
        label=_("Deputy"),
        queryset=task_assignees(),
        required=False,
        empty_label=_("A colleague with the fewest open tasks"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["deputy"].queryset = task_assignees().exclude(pk=user.pk)
