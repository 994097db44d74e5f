"""Filters for the pupils list and the annual reviews list (django-filter, GOV.UK forms)."""

from __future__ import annotations

import re

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils.choices import BaseChoiceIterator

from pupils.models import Plan, PlanKind, PrimaryNeed
from pupils.selectors import (
    on_roll_at,
    pupils_with_plan_in_force,
    pupils_with_support_in_force,
    today,
)
from schools.access import visible_schools
from schools.forms import GovukFilterForm
from schools.models import LocalAuthority, School
from schools.roles import LA_OFFICER

BAND_CHOICES = [(str(n), f"Band {n}") for n in range(1, 6)]
YES_NO = [("yes", "Yes"), ("no", "No")]
UPN_SHAPE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")  # a letter, 11 digits, a digit or letter


def school_choices(request) -> list[tuple[int, str]]:
    """Schools to filter by (one query, no model instances): only their own for a school
    business manager."""
    schools = visible_schools(request.user) if request is not None else School.objects.none()
    return [
        (pk, f"{name} ({urn})")
        for pk, name, urn in schools.order_by("name").values_list("pk", "name", "urn")
    ]


def home_la_choices() -> list[tuple[int, str]]:
    """Local authorities to filter by, labelled as `LocalAuthority.__str__` labels them: one
    plain query (a model choice field reads them through a server-side cursor, three round
    trips to the database on every page)."""
    rows = LocalAuthority.objects.order_by("name").values_list("pk", "name", "code")
    return [(pk, f"{name} ({code})") for pk, name, code in rows]


class SchoolChoices(BaseChoiceIterator):
    """The user's `school_choices`, read once, when first iterated (rendered or validated).

    A choice iterator, not a callable: Django normalizes a callable's hundreds of choices one
    by one every time they are iterated, and leaves an iterator's alone. Shared, not copied,
    when django-filter copies the form field.
    """

    def __init__(self, request):
        self.request = request
        self.rows: list[tuple[int, str]] | None = None

    def __iter__(self):
        if self.rows is None:
            self.rows = school_choices(self.request)
        return iter(self.rows)

    def __deepcopy__(self, memo):
        return self


class SchoolChoicesMixin:
    """Fills the `school` filter's choices for the user of the request."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["school"].extra["choices"] = SchoolChoices(self.request)


class PupilFilter(SchoolChoicesMixin, django_filters.FilterSet):
    """Search by name or UPN; filter by the school, plan and support in force today."""

    q = django_filters.CharFilter(method="search", label="Name or UPN")
    school = django_filters.ChoiceFilter(
        choices=[], method="at_school", label="School", empty_label="Any school"
    )
    plan_kind = django_filters.ChoiceFilter(
        choices=PlanKind.choices, method="with_plan_kind", label="Plan", empty_label="Any plan"
    )
    primary_need = django_filters.ChoiceFilter(
        choices=PrimaryNeed.choices,
        method="with_primary_need",
        label="Primary need",
        empty_label="Any need",
    )
    band = django_filters.ChoiceFilter(
        choices=BAND_CHOICES, method="with_band", label="Band", empty_label="Any band"
    )
    hours_min = django_filters.NumberFilter(
        method="with_hours_min", label="Support hours a week, at least", min_value=0
    )
    hours_max = django_filters.NumberFilter(
        method="with_hours_max", label="Support hours a week, at most", min_value=0
    )
    home_la = django_filters.ChoiceFilter(
        choices=home_la_choices, field_name="home_la", label="Home LA", empty_label="Any LA"
    )
    review_overdue = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="with_review_overdue",
        label="Annual review overdue",
        empty_label="Either",
    )

    class Meta:
        form = GovukFilterForm
        fields: list[str] = []

    def search(self, queryset, name, value):
        """A UPN exactly, or every word in the given or family name."""
        words = value.split()
        if not words:
            return queryset
        if len(words) == 1 and UPN_SHAPE.match(words[0].upper()):
            # No name looks like a UPN: the unique index answers, instead of scanning every
            # pupil's names twice (the count and the page) as the name search must.
            return queryset.filter(upn=words[0].upper())
        every_word = Q()
        for word in words:
            every_word &= Q(given_name__icontains=word) | Q(family_name__icontains=word)
        return queryset.filter(Q(upn=value.strip().upper()) | every_word)

    def at_school(self, queryset, name, value):
        return queryset.filter(on_roll_at(School.objects.filter(pk=value), today()))

    def with_plan_kind(self, queryset, name, value):
        return pupils_with_plan_in_force(queryset, today(), kind=value)

    def with_primary_need(self, queryset, name, value):
        return pupils_with_plan_in_force(queryset, today(), primary_need=value)

    def with_band(self, queryset, name, value):
        return pupils_with_support_in_force(queryset, today(), band=int(value))

    def with_hours_min(self, queryset, name, value):
        # Both bounds in one subquery: the same support level is within them (and the list
        # reads the support levels once, not twice).
        # The upper bound is on the same sum written in the other order: PostgreSQL has no
        # statistics for the sum and takes `sum >= a AND sum <= b` for a narrow range (0.5% of
        # rows, ~125 of 25,000 instead of ~9,000), which made it nest loops over every match
        # (200 ms at 25,000 pupils); two distinct expressions are estimated at a ninth (~2,800)
        # and hash-joined.
        bounds = {"total_hours__gte": value}
        if self.form.cleaned_data.get("hours_max") is not None:
            bounds["hours_summed_backwards__lte"] = self.form.cleaned_data["hours_max"]
        return pupils_with_support_in_force(queryset, today(), **bounds)

    def with_hours_max(self, queryset, name, value):
        if self.form.cleaned_data.get("hours_min") is not None:
            return queryset  # applied with the minimum
        return pupils_with_support_in_force(queryset, today(), total_hours__lte=value)

    def with_review_overdue(self, queryset, name, value):
        on = today()
        overdue = Plan.objects.filter(
            Q(ceased_on__isnull=True) | Q(ceased_on__gte=on),
            pupil=OuterRef("pk"),
            issued_on__lte=on,
            annual_review_due__lt=on,
        )
        if value == "yes":
            return queryset.filter(Exists(overdue))
        return queryset.filter(~Exists(overdue))


REVIEW_STATUS = [("overdue", "Overdue"), ("due_soon", "Due in the next 6 weeks")]


def caseworker_choices() -> list[tuple[int, str]]:
    """LA officers and anyone with a caseload (one query, no model instances)."""
    rows = (
        get_user_model()
        .objects.filter(Q(groups__name=LA_OFFICER) | Q(caseload__isnull=False))
        .distinct()
        .order_by("last_name", "first_name", "username")
        .values_list("pk", "first_name", "last_name", "username")
    )
    return [(pk, f"{first} {last}".strip() or username) for pk, first, last, username in rows]


class ReviewFilter(SchoolChoicesMixin, django_filters.FilterSet):
    """Annual reviews (R10) by school, caseworker and status."""

    school = django_filters.ChoiceFilter(
        choices=[], method="at_school", label="School", empty_label="Any school"
    )
    caseworker = django_filters.ChoiceFilter(
        choices=caseworker_choices,
        field_name="caseworker_id",
        label="Caseworker",
        empty_label="Any caseworker",
    )
    status = django_filters.ChoiceFilter(
        choices=REVIEW_STATUS, method="with_status", label="Status", empty_label="Any"
    )

    class Meta:
        form = GovukFilterForm
        fields: list[str] = []

    def at_school(self, queryset, name, value):
        school = School.objects.filter(pk=value)
        return queryset.filter(on_roll_at(school, today(), pupil_ref="pupil"))

    def with_status(self, queryset, name, value):
        on = today()
        if value == "overdue":
            return queryset.filter(annual_review_due__lt=on)
        return queryset.filter(annual_review_due__gte=on)
