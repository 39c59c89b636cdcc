"""The run page shows each daily step's name in the reader's language."""

import pytest
from django.urls import reverse
from django.utils import timezone

from creditmgmt.daily import steps
from creditmgmt.step_names import STEP_NAMES


def test_every_daily_step_name_is_marked_for_translation():
    assert [name for name, _job in steps()] == STEP_NAMES


@pytest.mark.django_db
def test_the_run_page_translates_what_it_can(client, manager):
    from dunning.models import WorkflowRun

    WorkflowRun.objects.create(
        date=timezone.localdate(),
        status=WorkflowRun.Status.DONE,
        started_at=timezone.now(),
        steps=[{"name": "dunning: actions", "status": "done", "counts": {}, "seconds": 0.1}],
    )
    client.force_login(manager)
    page = client.get(reverse("dunning:run_list"), HTTP_ACCEPT_LANGUAGE="nl").text
    # The status is a label in the reader's language, never the stored code.
    assert ">done<" not in page and ">Afgerond<" in page


@pytest.mark.django_db
def test_the_run_page_names_what_each_step_counted(client, manager):
    from dunning.models import WorkflowRun

    WorkflowRun.objects.create(
        date=timezone.localdate(),
        status=WorkflowRun.Status.DONE,
        started_at=timezone.now(),
        steps=[
            {
                "name": "dunning: outbox",
                "status": "done",
                "counts": {"sent": 12, "failed": 0, "brand_new_count": 3},
                "seconds": 0.1,
            }
        ],
    )
    client.force_login(manager)
    page = client.get(reverse("dunning:run_list")).text
    # Labels instead of keys, zeros left out, a count nobody labelled yet still readable.
    assert "sent: 12" in page and "failed: 0" not in page and "brand new count: 3" in page
    assert "brand_new_count" not in page
    dutch = client.get(reverse("dunning:run_list"), HTTP_ACCEPT_LANGUAGE="nl").text
    assert "verzonden: 12" in dutch


def test_action_counts_read_as_words():
    from creditmgmt.step_names import count_label

    assert count_label("final_notice") == "final notices"
    assert count_label("email (approval)") == "e-mails awaiting approval"
    assert count_label("something_new (approval)") == "something new awaiting approval"
