import pytest
from django.urls import reverse

from acceptance.models import Rule, RuleSet, RuleSetVersion
from acceptance.services import create_draft_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_an_active_version_is_read_only_in_the_admin(admin_client, admin_user):
    active = RuleSetVersion.objects.get(rule_set__code="medium")
    rule = active.rules.first()
    page = admin_client.get(reverse("admin:acceptance_rulesetversion_change", args=[active.pk]))
    assert page.status_code == 200 and 'name="rules-0-name"' not in page.text
    assert admin_client.get(reverse("admin:acceptance_rule_change", args=[rule.pk])).status_code == 200
    admin_client.post(reverse("admin:acceptance_rule_change", args=[rule.pk]), {"name": "x"})
    assert Rule.objects.get(pk=rule.pk).name == rule.name

    draft = create_draft_version(rule_set=RuleSet.objects.get(code="medium"), by=admin_user, copy_from=active)
    page = admin_client.get(reverse("admin:acceptance_rulesetversion_change", args=[draft.pk]))
    assert 'name="rules-0-name"' in page.text
    admin_client.post(
        reverse("admin:acceptance_rulesetversion_changelist"),
        {"action": "activate", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    active.refresh_from_db()
    assert (draft.status, active.status) == ("active", "retired")


@pytest.mark.parametrize("model", ["bureaurecord", "decision", "ruleset", "rulesetversion", "rule"])
def test_admin_lists_open(admin_client, model):
    assert admin_client.get(reverse(f"admin:acceptance_{model}_changelist")).status_code == 200
