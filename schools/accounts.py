"""User accounts: a user who has acted is deactivated, never deleted.

Deleting a user sets "who" to nothing in every history row and every `recorded_by`,
`submitted_by`, `decided_by`... that names them (those keys are SET_NULL), so the record would no
longer say who did what. Once any row names the user, the account can only be switched off.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

logger = logging.getLogger(__name__)

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


# --- School users by invitation: an e-mail with a one-time link to choose a password ---------

INVITE_SUBJECT = "Your SEN funding account"
EMAIL_TAKEN_BY_STAFF = (
    "{email} belongs to an LA account ({roles}): a school user needs their own e-mail address"
)


def invitation_link(*, user, base_url: str) -> str:
    """The one-time set-password link (Django's password reset token: it stops working once the
    password is set, or after PASSWORD_RESET_TIMEOUT)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def invitation_send(*, user, school_names: list[str], base_url: str) -> None:
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    body = render_to_string(
        "registration/invite_email.txt",
        {
            "user": user,
            "schools": school_names,
            "link": invitation_link(user=user, base_url=base_url),
            "days": max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1),
        },
    )
    send_mail(INVITE_SUBJECT, body, None, [user.email])


def default_base_url() -> str:
    from django.conf import settings

    return getattr(settings, "SITE_URL", "") or "http://localhost:8000"


@transaction.atomic
def school_user_invite(
    *,
    email: str,
    given_name: str,
    family_name: str,
    schools: list,
    invited_by=None,
    base_url: str | None = None,
) -> tuple[object, str]:
    """A school business manager for `schools`, by invitation: a new account has no usable
    password and gets an e-mail with a one-time link to choose one (sent once the transaction
    commits). An existing school user gains any school they lacked and gets no e-mail.

    Answers (user, what happened): "invited", "schools added" or "unchanged".
    """
    from django.contrib.auth.models import Group

    from schools.models import SchoolAccess
    from schools.roles import SCHOOL_BUSINESS_MANAGER, is_la_officer, role_names

    user_model = get_user_model()
    email = email.strip().lower()
    user = user_model.objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        user = user_model.objects.filter(username__iexact=email).order_by("pk").first()
    outcome = "unchanged"
    if user is not None and (is_la_officer(user) or user.is_staff):
        roles = ", ".join(sorted(role_names(user))) or "staff"
        raise ValidationError(EMAIL_TAKEN_BY_STAFF.format(email=email, roles=roles))
    if user is None:
        user = user_model(
            username=email, email=email, first_name=given_name[:150], last_name=family_name[:150]
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
        outcome = "invited"
    group = Group.objects.get(name=SCHOOL_BUSINESS_MANAGER)
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
        outcome = outcome if outcome == "invited" else "schools added"
    held = set(SchoolAccess.objects.filter(user=user).values_list("school_id", flat=True))
    new = [s for s in schools if s.pk not in held]
    for school in new:
        access = SchoolAccess(user=user, school=school)
        access.full_clean()
        access.save()
    if new and outcome == "unchanged":
        outcome = "schools added"
    if outcome != "unchanged":
        logger.info("School user %s %s by %s", email, outcome, invited_by or "an import")
    if outcome == "invited":
        names = [s.name for s in schools]
        url = base_url or default_base_url()
        transaction.on_commit(lambda: invitation_send(user=user, school_names=names, base_url=url))
    return user, outcome
