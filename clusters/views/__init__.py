"""Cluster pages: the clusters and their comparison, a cluster's page (pot, committed, spent,
remaining; member schools' SEND profile), its requests (request -> review -> impact), its
meetings, the pot's division, the PSF forecast, and the auxiliary aids fund. Thin: scope to
what the user may see, parse, call one service or selector, render.

Access: LA officers see every cluster (and alone set the pot, see the PSF pages and decide
auxiliary aids applications); a cluster host sees their own cluster and reviews its requests; a
member school's SENCO (school business manager) sees the cluster's totals and their own
school's requests. Another cluster, or another school's request, is a 404; a page the role
never has is a 403.

The views live by what they do: `cluster_pages` (the clusters and a cluster's page),
`cluster_requests`, `meetings`, `pot` (the division, R18), `psf` (R15-R17) and `aux_fund` (FAQ
10); what they share is in `base`. Every view is re-exported here for `clusters.urls`.
"""

from __future__ import annotations

from clusters.views.aux_fund import (
    AuxApplyView,
    AuxDecideView,
    AuxFundEditView,
    AuxFundView,
    AuxMixin,
)
from clusters.views.base import (
    EXPORT_FORMATS,
    ClusterMixin,
    RoleRequiredMixin,
    ServiceFormMixin,
    _fy_param,
    _year_choices,
)
from clusters.views.cluster_pages import ClusterDetailView, ClusterListView
from clusters.views.cluster_requests import (
    RequestCreateView,
    RequestDetailView,
    RequestImpactView,
    RequestListView,
    RequestMixin,
    RequestReviewView,
    RequestWithdrawView,
)
from clusters.views.meetings import (
    MeetingDetailView,
    MeetingEditView,
    MeetingListView,
    MeetingMixin,
)
from clusters.views.pot import PotEditView, SharesView
from clusters.views.psf import PsfForecastView, PsfPupilsView

__all__ = [
    "EXPORT_FORMATS",
    "AuxApplyView",
    "AuxDecideView",
    "AuxFundEditView",
    "AuxFundView",
    "AuxMixin",
    "ClusterDetailView",
    "ClusterListView",
    "ClusterMixin",
    "MeetingDetailView",
    "MeetingEditView",
    "MeetingListView",
    "MeetingMixin",
    "PotEditView",
    "PsfForecastView",
    "PsfPupilsView",
    "RequestCreateView",
    "RequestDetailView",
    "RequestImpactView",
    "RequestListView",
    "RequestMixin",
    "RequestReviewView",
    "RequestWithdrawView",
    "RoleRequiredMixin",
    "ServiceFormMixin",
    "SharesView",
    "_fy_param",
    "_year_choices",
]
