"""Who may see which school's data. Every view that shows school or pupil data scopes with these.

A school business manager reaches only the schools linked to them through `SchoolAccess`;
anything else is a 404 (the URL does not reveal whether the object exists).
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.db.models import QuerySet

from schools.models import School
from schools.roles import is_la_officer, is_panel_member


def visible_schools(user) -> QuerySet[School]:
    """Schools the user may see: all for LA officers and panel members, else their own."""
    if not user.is_authenticated:
        return School.objects.none()
    if is_la_officer(user) or is_panel_member(user):
        return School.objects.all()
    return School.objects.filter(accesses__user=user)


def visible_school_ids(user) -> set[int]:
    return set(visible_schools(user).values_list("pk", flat=True))


def can_see_school(user, school_id: int) -> bool:
    if is_la_officer(user) or is_panel_member(user):
        return True
    return visible_schools(user).filter(pk=school_id).exists()


class LAOfficerRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Pages for LA officers only: anyone else logged in gets 403."""

    def test_func(self) -> bool:
        return is_la_officer(self.request.user)
