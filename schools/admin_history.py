"""The one history admin every model with history uses: history is for reading.

django-simple-history's "revert" form saves an old version over the current row with only *view*
permission on the model (its POST never checks change permission), and it bypasses the services,
so no reason is recorded and none of their checks run. Here the history list and each past
version can be read by whoever may view the model, and a POST to a past version is refused for
every user, superusers included. To undo a change, make a new one through the service (or the
change form, where the model has one), with a reason.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

NO_REVERT = "Past versions cannot be restored here: record a new change, with its reason, instead."


class HistoryAdmin(SimpleHistoryAdmin):
    """`SimpleHistoryAdmin` with reverting switched off (past versions are read-only)."""

    def revert_disabled(self, request, obj=None):
        return True

    def has_change_history_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied(NO_REVERT)
        return super().history_form_view(request, object_id, version_id, extra_context)
