"""English as a Dutch company's staff and its foreign customers read it: day before month.

Django's "en" is American (11/23/2026, and "01/02/2026" typed in a form is 2 January).
Only what differs is set here; the rest comes from django.conf.locale.en.
"""

# 23 Nov 2026: readable by an American, a Briton and a Dutchman alike, and short enough for tables.
# No-break spaces: a narrow table column must not break a date over two lines.
SHORT_DATE_FORMAT = "j\u00a0M\u00a0Y"
SHORT_DATETIME_FORMAT = "j\u00a0M\u00a0Y H:i"
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
# A date typed into a form: ISO first (what date inputs send), then day-first, never month-first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d %b %Y", "%d %B %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M",
]
