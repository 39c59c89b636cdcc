"""Every shipped procedure, step and rule name is marked for translation, so pages can show it
in the reader's language with {% translate name %}."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from dunning.models import AssignmentRule, Procedure, Step
from dunning.shipped import SHIPPED_NAMES

pytestmark = pytest.mark.django_db


def test_the_migration_ships_only_names_the_catalog_can_translate():
    shipped = [
        *Procedure.objects.values_list("name", flat=True),
        *Procedure.objects.values_list("description", flat=True),
        *Step.objects.values_list("name", flat=True),
        *AssignmentRule.objects.values_list("name", flat=True),
    ]
    assert shipped and set(shipped) <= set(SHIPPED_NAMES)


def test_a_managers_own_name_shows_as_typed():
    page = Template("{% load i18n %}{% translate name %}")
    with translation.override("nl"):
        assert page.render(Context({"name": "Bel de inkoper"})) == "Bel de inkoper"


def test_the_rules_read_as_labels_not_codes(client, manager):
    client.force_login(manager)
    page = client.get(reverse("dunning:procedure_list"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "risk: high, very high;" in page and "very_high" not in page
    assert "pays: structurally late;" in page and "structurally_late" not in page
