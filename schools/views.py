"""Start page and school pages. Thin: scope to what the user may see, call selectors, render.

LA officers and SEN Panel members see every school (panel members read-only); a school
business manager sees only their own school(s): another school's page is a 404, the LA-only
list a 403.
"""

from __future__ import annotations

import logging

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from pupils import selectors as pupil_selectors
from pupils.models import Pupil
from pupils.tables import SchoolPupilTable
from schools import extensions
from schools.access import visible_schools
from schools.dates import AcademicYear, FinancialYear
from schools.exports import ExportMixin
from schools.filters import SchoolFilter
from schools.models import YEAR_GROUP_FIELDS, School
from schools.roles import (
    is_cluster_host,
    is_la_officer,
    is_panel_member,
    is_school_user,
    role_names,
)
from schools.tables import SchoolTable

logger = logging.getLogger(__name__)

EXPORT_FORMATS = ("csv", "xlsx")
YEAR_GROUP_LABELS = [
    (name, "N" if name == "nursery" else "R" if name == "reception" else name.split("_")[1])
    for name in YEAR_GROUP_FIELDS
]


def optional_url(*candidates: tuple[str, dict]) -> str | None:
    """The first of these URL names that exists (others' pages appear as they land)."""
    for name, kwargs in candidates:
        try:
            return reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:
            continue
    return None


class HomeView(LoginRequiredMixin, TemplateView):
    """Start page: what needs doing, for the signed-in role."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        on = timezone.localdate()
        context["roles"] = sorted(role_names(user))
        context["is_la_officer"] = is_la_officer(user)
        context["is_panel_member"] = is_panel_member(user)
        context["is_school_user"] = is_school_user(user)
        context["is_cluster_host"] = is_cluster_host(user)
        tasks: list[dict] = []
        if pupil_selectors.can_see_pupil_pages(user):
            counts = pupil_selectors.review_counts(pupil_selectors.reviews_due(user, on), on)
            reviews_url = reverse("pupils:reviews")
            tasks.append(
                {
                    "title": "Annual reviews overdue",
                    "count": counts["overdue"],
                    "url": f"{reviews_url}?status=overdue",
                    "description": "Plans whose annual review date has passed.",
                }
            )
            tasks.append(
                {
                    "title": "Annual reviews due in the next 6 weeks",
                    "count": counts["due_soon"],
                    "url": f"{reviews_url}?status=due_soon",
                    "description": "Arrange these reviews now.",
                }
            )
        # Other parts of the product add theirs (funding, returns, the SEN Panel, clusters).
        tasks.extend(extensions.collect(extensions.START_PAGE_ITEMS, user, guarded=True))
        context["tasks"] = tasks
        if is_school_user(user) or (is_cluster_host(user) and not is_la_officer(user)):
            context["my_schools"] = list(
                School.objects.filter(accesses__user=user).select_related("la").order_by("name")
            )
        return context


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def allowed(self, user) -> bool:  # pragma: no cover - every view overrides it
        return False

    def test_func(self) -> bool:
        return self.allowed(self.request.user)


def schools_with_cluster(qs, on):
    """The list's rows with what other apps add (each school's cluster, from clusters/)."""
    return extensions.piped(extensions.SCHOOL_QUERYSET, qs.select_related("la"), on)


class SchoolListView(RoleRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """Every school: LA officers and panel members (school business managers get 403)."""

    template_name = "schools/list.html"
    table_class = SchoolTable
    filterset_class = SchoolFilter
    export_formats = EXPORT_FORMATS
    export_name = "schools"
    strict = False

    def allowed(self, user):
        return is_la_officer(user) or is_panel_member(user)

    def get_queryset(self):
        return schools_with_cluster(
            visible_schools(self.request.user), timezone.localdate()
        ).order_by("name", "pk")


class MySchoolsView(LoginRequiredMixin, TemplateView):
    """A school business manager's own school(s): one goes straight to its page."""

    template_name = "schools/mine.html"

    def get(self, request, *args, **kwargs):
        mine = list(
            School.objects.filter(accesses__user=request.user).select_related("la").order_by("name")
        )
        if not mine and is_la_officer(request.user):
            return redirect("schools:list")
        if len(mine) == 1:
            return redirect("schools:detail", urn=mine[0].urn)
        return self.render_to_response(self.get_context_data(schools=mine))


class SchoolDetailView(LoginRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """A school: details, census by year, planned places and occupancy, pupils with plans."""

    template_name = "schools/detail.html"
    table_class = SchoolPupilTable
    export_formats = EXPORT_FORMATS

    def get_school(self) -> School:
        if not hasattr(self, "_school"):
            self._school = get_object_or_404(
                visible_schools(self.request.user).select_related("la"), urn=self.kwargs["urn"]
            )
        return self._school

    def shows_pupils(self) -> bool:
        return pupil_selectors.can_see_pupil_pages(self.request.user)

    def get_export_filename(self, export_format):
        return f"school-{self.get_school().urn}-pupils-with-plans.{export_format}"

    def get_table_data(self):
        if not self.shows_pupils():
            return Pupil.objects.none()
        return pupil_selectors.school_pupils_with_plans(self.get_school())

    def get_context_data(self, **kwargs):
        school = self.get_school()
        context = super().get_context_data(**kwargs)
        on = timezone.localdate()
        censuses = [
            {
                "census": census,
                "roll": [getattr(census, name) for name, _label in YEAR_GROUP_LABELS],
            }
            for census in school.censuses.all()
        ]
        user = self.request.user
        context.update(extensions.merged(extensions.SCHOOL_DETAIL_CONTEXT, school, user, on))
        # Statements and returns are for LA officers and the school's own managers: a panel
        # member is not offered links they cannot open (issue 16).
        money_pages = is_la_officer(user) or is_school_user(user)
        context.update(
            school=school,
            censuses=censuses,
            planned_places=[
                {"year": AcademicYear(row.academic_year), "row": row}
                for row in school.planned_places.all()
            ],
            bands=[
                {"year": FinancialYear(row.financial_year), "row": row}
                for row in school.bands.all()[:30]
            ],
            year_groups=YEAR_GROUP_LABELS,
            shows_pupils=self.shows_pupils(),
            funding_url=money_pages
            and optional_url(
                ("funding:school_statements", {"urn": school.urn}),
                ("funding:school_statement", {"urn": school.urn}),
                ("funding:statements", {"urn": school.urn}),
                ("funding:statement", {"urn": school.urn}),
            ),
            returns_url=money_pages
            and optional_url(
                ("returns:school", {"urn": school.urn}),
                ("returns:school_returns", {"urn": school.urn}),
                ("returns:school_list", {"urn": school.urn}),
                ("returns:school_list", {}),
            ),
            is_la_officer=is_la_officer(self.request.user),
        )
        return context

    def get_table(self, **kwargs):
        table = self.get_table_class()(self.get_table_data(), **kwargs)
        RequestConfig(self.request, paginate={"per_page": 25}).configure(table)
        return table
