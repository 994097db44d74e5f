"""Middleware for signed-in users: nothing cached, and sessions that end when left idle.

- Every response to a signed-in user (pages and exports, which hold pupil data: special-category
  personal data) says `Cache-Control: no-store, private`, so neither the browser nor a proxy
  keeps a copy.
- A session ends after `SESSION_IDLE_TIMEOUT` seconds without a request (default 30 minutes), and
  in any case `SESSION_COOKIE_AGE` seconds after sign-in (the absolute limit, default 8 hours),
  however busy it has been. The user is signed out and sent to sign in again.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import patch_cache_control

SIGNED_IN_AT = "_signed_in_at"
LAST_SEEN_AT = "_last_seen_at"
#: The session is written at most this often to note activity (not on every request).
ACTIVITY_RESOLUTION = 60
SIGNED_OUT_IDLE = "You were signed out because the service was not used for {minutes} minutes."
SIGNED_OUT_LONG = "You were signed out because you signed in more than {hours} hours ago."


def _note_sign_in(sender, request, user, **kwargs):
    """The absolute limit counts from this sign-in, not from an earlier one in the session."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN_AT] = now


user_logged_in.connect(_note_sign_in, dispatch_uid="config.middleware.note_sign_in")


class NoStoreForSignedInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
            if "public" in response.get("Cache-Control", ""):
                response["Cache-Control"] = "no-store, private"
        return response


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._expired(request)
            if expired:
                logout(request)
                messages.info(request, expired)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _expired(request) -> str | None:
        session = request.session
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        last_seen_at = session.get(LAST_SEEN_AT)
        if signed_in_at is None or last_seen_at is None:
            session[SIGNED_IN_AT] = signed_in_at or now
            session[LAST_SEEN_AT] = now
            return None
        idle = settings.SESSION_IDLE_TIMEOUT
        if idle and now - last_seen_at > idle:
            return SIGNED_OUT_IDLE.format(minutes=idle // 60)
        absolute = settings.SESSION_COOKIE_AGE
        if now - signed_in_at > absolute:
            return SIGNED_OUT_LONG.format(hours=absolute // 3600)
        if now - last_seen_at >= ACTIVITY_RESOLUTION:
            session[LAST_SEEN_AT] = now
        return None


#: The most rows a list page shows at once (`?per_page=`); exports are not paginated.
MAX_PER_PAGE = 500


class ClampPerPageMiddleware:
    """`?per_page=` (django-tables2's page size, any table prefix) between 1 and MAX_PER_PAGE.

    A negative, zero or non-numeric size is dropped (the table's own size applies) and a huge one
    is cut to MAX_PER_PAGE, so no list page fails or reads a whole table into one page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        keys = [key for key in request.GET if key.endswith("per_page")]
        if keys:
            query = request.GET.copy()
            for key in keys:
                try:
                    size = int(query[key])
                except ValueError:
                    size = 0
                if size < 1:
                    del query[key]
                else:
                    query[key] = str(min(size, MAX_PER_PAGE))
            query._mutable = False
            request.GET = query
        return self.get_response(request)
