"""What the funding engine puts on the home page."""

from __future__ import annotations

from django.urls import reverse

from funding.selectors.allocation_runs import active_runs
from schools.models import School
from schools.roles import is_la_officer, is_school_user


def start_page_items(user) -> list[dict]:
    """What the funding engine puts on the home page for the user's role."""
    items: list[dict] = []
    if is_la_officer(user):
        active = active_runs().count()
        items.append(
            {
                "title": "Allocation runs in progress",
                "count": active,
                "url": reverse("funding:runs"),
                "description": "Runs of the funding engine queued or running.",
            }
        )
    elif is_school_user(user):
        for school in School.objects.filter(accesses__user=user).order_by("name")[:5]:
            items.append(
                {
                    "title": f"Funding statements: {school.name}",
                    "url": reverse("funding:school_statements", args=[school.urn]),
                    "description": "Each element of your school's funding, with its working.",
                }
            )
    return items
