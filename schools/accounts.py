"""User accounts: a user who has acted is deactivated, never deleted.

Deleting a user sets "who" to nothing in every history row and every `recorded_by`,
`submitted_by`, `decided_by`... that names them (those keys are SET_NULL), so the record would no
longer say who did what. Once any row names the user, the account can only be switched off.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

USER_HAS_ACTED = (
    "{user} cannot be deleted: the records name them as the person who made changes. "
    "Deactivate the account instead."
)

#: Relations that say what a user may do, not what they did.
_NOT_ACTIONS = {"groups", "user_permissions", "school_accesses"}


def _action_relations():
    user_model = get_user_model()
    for relation in user_model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue  # forward fields of the user itself
        if relation.many_to_many or relation.name in _NOT_ACTIONS:
            continue
        if relation.related_model._meta.auto_created:
            continue  # the through tables of groups and permissions
        yield relation


def user_has_acted(user) -> bool:
    """True when any record (history or a "by" field) names `user` (one query per relation)."""
    for relation in _action_relations():
        manager = relation.related_model._base_manager
        if manager.filter(**{relation.field.name: user.pk}).exists():
            return True
    return False


@transaction.atomic
def user_deactivate(*, user) -> None:
    """Switch the account off: it can no longer sign in; everything it did still names it."""
    user_model = get_user_model()
    user_model.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False


def user_delete(*, user) -> None:
    """Delete an account that has done nothing yet (a mistake); refuse one that has acted."""
    if user_has_acted(user):
        raise ValidationError(USER_HAS_ACTED.format(user=user.get_username()))
    user.delete()
