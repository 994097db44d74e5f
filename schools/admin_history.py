"""The one history admin every model with history uses: history is for reading.

django-simple-history's "revert" form saves an old version over the current row with only *view*
permission on the model (its POST never checks change permission), and it bypasses the services,
so no reason is recorded and none of their checks run. Here the history list and each past
version can be read by whoever may view the model, and a POST to a past version is refused for
every user, superusers included. To undo a change, make a new one through the service (or the
change form, where the model has one), with a reason.
"""

from __future__ import annotations

import contextvars

from django.contrib.admin import helpers
from django.contrib.auth import get_permission_codename, get_user_model
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

NO_REVERT = "Past versions cannot be restored here: record a new change, with its reason, instead."


# Who is viewing the change form being rendered: Django's read-only related fields link to the
# related object's admin page without asking whether the viewer may open it.
_viewer: contextvars.ContextVar = contextvars.ContextVar("admin_viewer", default=None)
_django_get_admin_url = helpers.AdminReadonlyField.get_admin_url


def _get_admin_url_if_allowed(self, remote_field, remote_obj):
    """A read-only related field links to the related record's admin page only when the viewer
    may open it (view or change permission); otherwise it is the record's name as plain text,
    so no admin page shows a link its user cannot open (issue 16 §4)."""
    user = _viewer.get()
    opts = remote_field.model._meta
    if user is not None and not any(
        user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in ("view", "change")
    ):
        return str(remote_obj)
    return _django_get_admin_url(self, remote_field, remote_obj)


def install_permission_aware_related_links() -> None:
    """Called once from `SchoolsConfig.ready()`."""
    helpers.AdminReadonlyField.get_admin_url = _get_admin_url_if_allowed


class HistoryAdmin(SimpleHistoryAdmin):
    """`SimpleHistoryAdmin` with reverting switched off (past versions are read-only), and
    read-only related fields linked only where the viewer may follow the link."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        token = _viewer.set(request.user)
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # while the viewer is known
            return response
        finally:
            _viewer.reset(token)

    def revert_disabled(self, request, obj=None):
        return True

    def has_change_history_permission(self, request, obj=None):
        return False

    def history_view(self, request, object_id, extra_context=None):
        # Who made each change links to their user page only for someone who may open it
        # (a panel member or LA officer would get 403 there): the name is shown either way.
        user_model = get_user_model()
        opts = user_model._meta
        if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            extra_context = {**(extra_context or {}), "admin_user_view": ""}
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied(NO_REVERT)
        return super().history_form_view(request, object_id, version_id, extra_context)
