"""Clusters of schools and their memberships by date (R18); Pupil Specific Funding rules
(R15-R17); the cluster pot and its division (R18); the cluster's meetings and its request ->
review -> impact cycle (R19); the central auxiliary aids fund (FAQ 10 of seed 001).

Every row keeps its history with who and when (django-simple-history); writes go through
`clusters.services`.

Modules (this package re-exports every model and every other public name, so callers keep
`from clusters.models import X`):

- `cluster`: `Cluster`, `ClusterMembership` (R18).
- `psf_rules`: `PsfBasis`, `PsfRules`, `PsfProtectedAmount` (R15-R17).
- `pot`: `ClusterPot` (R18).
- `meetings`: `MeetingStatus`, `Session`, `MEETINGS_PER_YEAR`, `ClusterMeeting` (R19).
- `cluster_requests`: `IMPACT_WINDOW_DAYS`, `RequestCategory`, `RequestStatus`, `Decision`,
  `ImpactRating`, `ClusterRequest`, `gbp_text` (R19).
- `aux_fund`: `AuxiliaryAidsFund`, `ApplicationStatus`, `AuxiliaryAidsApplication` (FAQ 10).
"""

# Imported in the order the models were defined in the single clusters/models.py, so the
# app registers them (and their history models) in the same order as before.
# isort: off
from clusters.models.cluster import Cluster, ClusterMembership
from clusters.models.psf_rules import PsfBasis, PsfProtectedAmount, PsfRules
from clusters.models.pot import ClusterPot
from clusters.models.meetings import MEETINGS_PER_YEAR, ClusterMeeting, MeetingStatus, Session
from clusters.models.cluster_requests import (
    IMPACT_WINDOW_DAYS,
    ClusterRequest,
    Decision,
    ImpactRating,
    RequestCategory,
    RequestStatus,
    gbp_text,
)
from clusters.models.aux_fund import ApplicationStatus, AuxiliaryAidsApplication, AuxiliaryAidsFund
# isort: on

__all__ = [
    "ApplicationStatus",
    "AuxiliaryAidsApplication",
    "AuxiliaryAidsFund",
    "Cluster",
    "ClusterMeeting",
    "ClusterMembership",
    "ClusterPot",
    "ClusterRequest",
    "Decision",
    "IMPACT_WINDOW_DAYS",
    "ImpactRating",
    "MEETINGS_PER_YEAR",
    "MeetingStatus",
    "PsfBasis",
    "PsfProtectedAmount",
    "PsfRules",
    "RequestCategory",
    "RequestStatus",
    "Session",
    "gbp_text",
]
