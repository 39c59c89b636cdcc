"""creditmgmt.fields: ids typed in forms and addresses."""

import pytest

from creditmgmt.fields import MAX_ID, as_id, beyond_any_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), (" 7 ", 7), ("0", 0), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("9" * 30, None),
     ("²", None), ("١٢", None), ("-3", None), ("1.5", None), ("", None), ("abc", None)],
)  # fmt: skip
def test_as_id_takes_ascii_digits_up_to_the_largest_id(text, expected):
    assert as_id(text) == expected


def test_beyond_any_id_is_only_a_too_large_number():
    assert beyond_any_id("9" * 30) and not beyond_any_id("12") and not beyond_any_id("²")


@pytest.mark.django_db
def test_staff_pages_take_odd_numbers_as_none(client, manager):
    client.force_login(manager)
    assert client.get("/dunning/worklist/", {"assignee": "²"}).status_code == 200
    assert client.get("/reporting/customers/", {"page": "²"}).status_code == 200
    assert client.get("/reporting/customers/cure/", {"step": "²"}).status_code == 200
