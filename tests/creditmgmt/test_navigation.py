"""The top bar: a few menus per role, the current section lit, the inbox badge fetched after the page."""

import re

import pytest
from django.urls import reverse

from creditmgmt.models import Role
from dunning.inbox import services

pytestmark = pytest.mark.django_db


def menus(html: str) -> dict[str, list[str]]:
    """What the top bar shows: {menu or link label: [item labels]} (a plain link maps to [])."""
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    shown: dict[str, list[str]] = {}
    for part in re.finditer(r"<details.*?</details>|<a class=\"navlink[^>]*>.*?</a>", nav, re.S):
        block = part.group(0)
        if block.startswith("<details"):
            label = re.search(r"<summary>([^<]+)", block).group(1).strip()
            shown[label] = [
                m.strip() for m in re.findall(r'<div class="navmenu">.*', block, re.S)[0].split("</a>")
            ]
            shown[label] = [re.sub(r"<[^>]+>", "", item).strip() for item in shown[label] if "href" in item]
        else:
            shown[re.sub(r"<[^>]+>", "", block).strip()] = []
    return shown


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            Role.MANAGER,
            {
                "Work": ["Worklist", "My tasks", "Team", "Inbox", "Disputes", "Releases"],
                "Customers": [],
                "Payments": ["Payments", "Import"],
                "Policy": ["Credit policy", "Decisions"],
                "Dunning": ["Procedures", "Templates", "Outbox", "Daily run"],
                "Reports": ["Dashboard", "Cash forecast", "Scheduled reports"],
            },
        ),
        (
            Role.CONTROLLER,
            {
                "Work": ["Worklist", "My tasks", "Inbox", "Disputes", "Releases"],
                "Customers": [],
                "Payments": [],
                "Reports": ["Dashboard", "Cash forecast"],
            },
        ),
        (
            Role.SALES,
            {
                "Disputes": [],
                "Customers": ["Customers", "Credit application"],
                "Dashboard": [],  # their customers' payment behaviour; not the company's cash forecast
            },
        ),
        (Role.COUNTER, {"Counter lookup": []}),
    ],
)
def test_each_role_sees_a_few_menus_of_what_it_may_open(client, users_by_role, role, expected):
    user = users_by_role[role]
    client.force_login(user)
    page = client.get(reverse("home"), follow=True)
    assert page.status_code == 200
    assert menus(page.text) == expected | ({"Admin": []} if user.is_staff else {})
    # Every item the bar offers opens for this role: the menus promise nothing the views refuse.
    for item in (item for group in page.context["nav_groups"] for item in group["items"]):
        assert client.get(item["url"]).status_code == 200, item["url"]


def test_the_admin_sees_every_menu_and_the_admin_site(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("dunning:outbox"))
    shown = menus(page.text)
    assert list(shown) == [
        "Work",
        "Customers",
        "Payments",
        "Policy",
        "Dunning",
        "Reports",
        "Counter lookup",
        "Admin",
    ]


def test_the_current_page_marks_its_item_and_its_menu(client, manager):
    client.force_login(manager)
    html = client.get(reverse("reporting:forecast")).text
    reports = re.search(r'<details class="navgroup active".*?</details>', html, re.S).group(0)
    assert "<summary>Reports" in reports
    assert re.search(r'class="active" aria-current="page">Cash forecast<', reports)
    # The dashboard's address (/reporting/) is a prefix of the forecast's: only the longer one is lit.
    assert html.count('aria-current="page"') == 1
    assert html.count('class="navgroup active"') == 1


def test_the_inbox_badge_is_fetched_once_after_the_page(client, controller, django_assert_num_queries):
    services.ingest(b"From: someone@example.com\r\nMessage-ID: <badge@x>\r\n\r\nHallo?\r\n", source="upload")
    client.force_login(controller)
    html = client.get(reverse("accounts:customer_list")).text
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    badge_url = reverse("dunning:inbox_unread")
    # Two places show it: the Work menu (seen while it is closed) and the Inbox item inside it.
    assert nav.count(f'data-nav-count="{badge_url}"') == 2
    assert re.search(rf'<summary>Work<span class="navgroup-count" data-nav-count="{badge_url}"', nav)
    assert re.search(rf'>Inbox<span data-nav-count="{badge_url}"></span></a>', nav)
    # One fetch for both: session, user and one COUNT (two fetches, six queries, before).
    fetches = re.findall(r'hx-get="([^"]+)"', nav)
    assert fetches == [badge_url]
    with django_assert_num_queries(3):
        answer = client.get(fetches[0]).text
    # The answer fills every place marked with its address, the unread mail's 1 in each.
    assert re.fullmatch(
        rf'<span hx-swap-oob="innerHTML:\[data-nav-count=\'{badge_url}\'\]"> '
        r'<span class="nav-count" title="unread">1</span></span>\s*',
        answer,
    ), answer


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.CONTROLLER, "dunning:worklist"),
        (Role.MANAGER, "dunning:worklist"),
        (Role.SALES, "accounts:customer_list"),
        (Role.COUNTER, "acceptance:counter"),
    ],
)
def test_after_sign_in_each_role_lands_on_its_own_start_page(client, users_by_role, role, home):
    client.force_login(users_by_role[role])
    assert client.get(reverse("home"))["Location"] == reverse(home)
