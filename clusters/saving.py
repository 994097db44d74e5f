"""How the clusters' services save a change: checked (`full_clean()`) and recorded with who made
it and why (django-simple-history), in the caller's transaction. Shared by `clusters.services`
and `clusters.meeting_services`."""

from __future__ import annotations


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def _save(instance, user, reason: str = "") -> None:
    instance._history_user = _user(user)
    if reason:
        instance._change_reason = reason[:100]
    instance.full_clean()
    instance.save()
