"""Sections that other apps add to the customer 360 page.

Imports go down only (dunning and acceptance know accounts, never the other
way), so an app that wants a section on the 360 registers a function here from
its AppConfig.ready(). The function gets the request and the customer and
returns rendered HTML, or None to show nothing. Each panel must run a fixed
number of queries (the 360's query-count test covers them).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.safestring import SafeString

from accounts.models import Customer

PanelFunc = Callable[[HttpRequest, Customer], SafeString | str | None]


@dataclass(frozen=True)
class Panel:
    name: str
    column: str  # "main" (left, wide) or "side" (right)
    order: int
    render: PanelFunc


_PANELS: dict[str, Panel] = {}


def register_customer_panel(name: str, *, column: str = "side", order: int = 50) -> Callable:
    """Decorator: add a section to the 360. Registering a name again replaces it."""
    if column not in ("main", "side"):
        raise ValueError("column is 'main' or 'side'")

    def decorator(func: PanelFunc) -> PanelFunc:
        _PANELS[name] = Panel(name=name, column=column, order=order, render=func)
        return func

    return decorator


def render_customer_panels(request: HttpRequest, customer: Customer) -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {"main": [], "side": []}
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        html = panel.render(request, customer)
        if html:
            columns[panel.column].append(html)
    return columns
