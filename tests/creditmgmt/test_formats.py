"""English dates are day first (creditmgmt/formats/en): Django's "en" is American."""

from datetime import date

from django import forms
from django.template import Context, Template
from django.utils import translation


class DueForm(forms.Form):
    due = forms.DateField()


def test_english_pages_show_the_day_first_and_unambiguously():
    page = Template('{{ d|date:"SHORT_DATE_FORMAT" }} · {{ d }}')
    with translation.override("en"):  # no-break spaces: a table's date stays on one line
        assert page.render(Context({"d": date(2026, 3, 2)})) == "2\xa0Mar\xa02026 · 2 March 2026"
    with translation.override("nl"):
        assert page.render(Context({"d": date(2026, 3, 2)})) == "2-3-2026 · 2 maart 2026"  # Django's nl


def read(text: str) -> date | None:
    form = DueForm({"due": text})
    return form.cleaned_data["due"] if form.is_valid() else None


def test_a_date_typed_in_an_english_form_is_read_day_first():
    with translation.override("en"):
        assert read("02/03/2026") == read("2026-03-02") == read("2 Mar 2026") == date(2026, 3, 2)
        assert read("03/31/2026") is None  # month first is not a date here
