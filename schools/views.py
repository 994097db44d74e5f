"""Start page and school pages. Thin: scope to what the user may see, call selectors, render.

LA officers and SEN Panel members see every school (panel members read-only); a school
business manager sees only their own school(s): another school's page is a 404, the LA-only
list a 403.
"""

from __future__ import annotations

import importlib
import logging

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from clusters.models import ClusterMembership
from pupils import selectors as pupil_selectors
from pupils.models import Pupil
from pupils.tables import SchoolPupilTable
from schools.access import visible_schools
from schools.dates import AcademicYear, FinancialYear
from schools.exports import ExportMixin
from schools.filters import SchoolFilter, memberships_in_force
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


def _optional_items(module_name: str, user) -> list[dict]:
    """`start_page_items(user)` from another part of the product, when it provides one.

    Each item is a dict: title, count (optional), url (optional), description (optional).
    """
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return []
    provider = getattr(module, "start_page_items", None)
    if provider is None:
        return []
    try:
        return list(provider(user))
    except Exception:  # a half-built neighbour must not take the start page down
        logger.exception("start_page_items failed in %s", module_name)
        return []


def _panel_cases_waiting(user) -> list[dict]:
    """SEN Panel cases awaiting a decision, for LA officers and panel members, once the panel
    exists (and unless it puts its own items on the start page)."""
    if not (is_la_officer(user) or is_panel_member(user)):
        return []
    try:
        from funding.panel import selectors as panel_selectors
        from funding.panel.models import CaseStatus, PanelCase
    except ImportError:
        return []
    if hasattr(panel_selectors, "start_page_items"):
        return []
    return [
        {
            "title": "SEN Panel cases waiting for a decision",
            "count": PanelCase.objects.filter(status__in=CaseStatus.open()).count(),
            "url": optional_url(("admin:panel_panelcase_changelist", {})),
            "description": "Cases submitted or deferred to a panel meeting (R9).",
        }
    ]


START_PAGE_PROVIDERS = (
    "funding.selectors",
    "funding.returns.selectors",
    "funding.panel.selectors",
    "funding.reports.selectors",
    "clusters.selectors",
)


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
                    "description": "Plans whose annual review date has passed (R10).",
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
        tasks.extend(_panel_cases_waiting(user))
        for module_name in START_PAGE_PROVIDERS:
            tasks.extend(_optional_items(module_name, user))
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
    membership = ClusterMembership.objects.filter(
        memberships_in_force(on), school=OuterRef("pk")
    ).order_by("-starts_on")
    return qs.select_related("la").annotate(
        cluster_name=Subquery(membership.values("cluster__name")[:1])
    )


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
        membership = (
            ClusterMembership.objects.filter(memberships_in_force(on), school=school)
            .select_related("cluster")
            .first()
        )
        censuses = [
            {
                "census": census,
                "roll": [getattr(census, name) for name, _label in YEAR_GROUP_LABELS],
            }
            for census in school.censuses.all()
        ]
        context.update(
            school=school,
            membership=membership,
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
            funding_url=optional_url(
                ("funding:school_statements", {"urn": school.urn}),
                ("funding:school_statement", {"urn": school.urn}),
                ("funding:statements", {"urn": school.urn}),
                ("funding:statement", {"urn": school.urn}),
            ),
            returns_url=optional_url(
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
