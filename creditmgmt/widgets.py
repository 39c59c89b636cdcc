"""Form widgets every app shares."""

from django import forms


class DateInput(forms.DateInput):
    """A browser's date picker. Its value is always YYYY-MM-DD, whatever the page's language: the
    browser shows it in the reader's own format. (Django's DateInput writes the language's first
    input format, 31-12-2025 in Dutch, which a date input does not read: it came up empty.)"""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
