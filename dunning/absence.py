"""Absence: a user (or a manager for them) sets the last day away and a deputy; tasks follow."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditmgmt.models import User
from dunning.assignees import Assignees, is_available


def set_absence(*, user: User, absent_until: date | None, deputy: User | None, by: User | str) -> int:
    """Save the absence; while it runs, new tasks go to the deputy (or a colleague) and the open
    tasks due by today move at once and every morning. Returns how many tasks moved now."""
    from dunning.workflow.exceptions import move_absent_tasks

    today = timezone.localdate()
    if absent_until is not None and absent_until < today:
        raise ValidationError(_("The last day away cannot be in the past; leave it empty when back."))
    if deputy is not None:
        if deputy.pk == user.pk:
            raise ValidationError(_("Choose someone else as deputy."))
        if not deputy.is_active:
            raise ValidationError(_("%(user)s is not an active user.") % {"user": deputy})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.absent_until = absent_until
        user.deputy = deputy
        user.save(update_fields=["absent_until", "deputy"])
        if is_available(user, today):
            return 0
        return move_absent_tasks(today=today, assignees=Assignees(today), users=[user.pk])
