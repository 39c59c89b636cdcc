"""Form fields for every app."""

from django import forms
from django.core.exceptions import ValidationError

MAX_ID = 2**63 - 1  # a bigger number is no id (and SQLite refuses to even compare it)


def as_id(value) -> int | None:
    """The id a text from a form or an address names, or None: only ASCII digits count ("²" is a
    digit to str.isdigit() but not to int()), and never a number beyond any id."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def beyond_any_id(value) -> bool:
    """A number no id reaches: a wrong choice, not a query."""
    text = str(value).strip()
    return text.isascii() and text.isdigit() and as_id(text) is None


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, except that a number beyond any id is a wrong choice: Django asks the database
    `id IN (...)` with it, and SQLite raises OverflowError (a server error on a tampered form)."""

    def _check_values(self, value):
        for v in value:
            if beyond_any_id(v):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": v}
                )
        return super()._check_values(value)
