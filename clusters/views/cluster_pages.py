"""The clusters: every cluster compared for a year (LA officers), and a cluster's page (its
money for the year, member schools' SEND profile, recent requests, next meeting).
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin

from clusters import selectors
from clusters.models import ClusterMeeting, MeetingStatus, RequestStatus
from clusters.tables import ComparisonTable, ProfileTable
from clusters.views.base import (
    EXPORT_FORMATS,
    ClusterMixin,
    RoleRequiredMixin,
    _fy_param,
    _year_choices,
)
from schools.exports import ExportMixin
from schools.roles import is_la_officer


class ClusterListView(RoleRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """LA officers: every cluster compared for a year. A host or SENCO with one cluster goes
    straight to it; with several, a list."""

    template_name = "clusters/list.html"
    table_class = ComparisonTable
    export_formats = EXPORT_FORMATS

    def get(self, request, *args, **kwargs):
        if not is_la_officer(request.user):
            mine = list(selectors.visible_clusters(request.user).order_by("name"))
            if len(mine) == 1:
                return redirect("clusters:detail", pk=mine[0].pk)
            self.mine = mine
        return super().get(request, *args, **kwargs)

    def get_export_filename(self, export_format):
        return f"clusters-compared-{self.fy.start_year}.{export_format}"

    def get_table_data(self):
        self.fy = _fy_param(self.request)
        if not is_la_officer(self.request.user):
            return []
        rows, self.division = selectors.comparison(self.fy)
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fy"] = self.fy
        context["years"] = _year_choices(self.fy)
        context["is_la_officer"] = is_la_officer(self.request.user)
        context["mine"] = getattr(self, "mine", [])
        context["division"] = getattr(self, "division", None)
        return context


class ClusterDetailView(ClusterMixin, SingleTableMixin, TemplateView):
    """A cluster: its money for the year, member schools' SEND profile, recent requests,
    meetings."""

    template_name = "clusters/detail.html"
    table_class = ProfileTable

    def get_table_data(self):
        return selectors.send_profile(self.get_cluster())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cluster = self.get_cluster()
        fy = _fy_param(self.request)
        pot = selectors.cluster_pot(fy)
        division = selectors.division(pot) if pot is not None else None
        context["fy"] = fy
        context["years"] = _year_choices(fy)
        context["pot"] = pot
        context["division"] = division
        context["share"] = division.share_of(cluster.pk) if division else None
        context["budget"] = selectors.cluster_budget(cluster, fy, division)
        requests = selectors.requests_for(self.request.user, cluster, self.access)
        context["recent_requests"] = list(requests.order_by("-submitted_at", "-pk")[:5])
        context["awaiting_review"] = requests.filter(status=RequestStatus.SUBMITTED).count()
        context["awaiting_impact"] = requests.filter(status=RequestStatus.APPROVED).count()
        today = timezone.localdate()
        context["next_meeting"] = (
            ClusterMeeting.objects.filter(cluster=cluster, date__gte=today)
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("date")
            .first()
        )
        return context
