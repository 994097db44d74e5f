"""First run: choose which imported LA administers this installation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from schools.models import LocalAuthority

NO_SUCH_LA = (
    "There is no LA with code {code}. Import the GIAS establishment file that lists its "
    "schools first (Import data, or manage.py import_schools FILE)."
)


@transaction.atomic
def administering_la_set(*, code: str, user=None) -> LocalAuthority:
    """Make the LA with `code` the administering LA (and no other). Idempotent."""
    la = LocalAuthority.objects.select_for_update().filter(code=(code or "").strip()).first()
    if la is None:
        raise ValidationError(NO_SUCH_LA.format(code=code))
    for other in LocalAuthority.objects.filter(is_administering=True).exclude(pk=la.pk):
        other.is_administering = False
        other.save(update_fields=["is_administering"])
    if not la.is_administering:
        la.is_administering = True
        la.save(update_fields=["is_administering"])
    return la
