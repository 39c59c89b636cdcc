"""One line of a file in the plan: its values, what it would do and what is wrong with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class LineError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.column:
            return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        return _("line %(line)s, %(column)s: %(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class Line:
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    number: str = ""
    action: str = ""
    obj: Any = None
    # field -> (old, new) as text, for the preview and the timeline
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    # model attribute names to write on update
    update_fields: list[str] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    # customers: the parent is a new customer of the same file
    new_parent: str = ""
    # the record as it was before this line (None for a new one)
    current: Any = None

    def add_error(self, column: str, message: str) -> None:
        if not any(e.column == column and e.message == message for e in self.errors):
            self.errors.append(LineError(self.line, column, message))

    def has_error(self, column: str) -> bool:
        return any(e.column == column for e in self.errors)

    @property
    def summary(self) -> list[tuple[str, str]]:
        """What a new line brings: its given values, for the preview."""
        return [(k, _display(k, v)) for k, v in self.values.items() if k != "number"]


def _display(fieldname: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)
