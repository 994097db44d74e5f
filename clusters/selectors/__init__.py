"""Reads for clusters and Pupil Specific Funding: who may see which cluster, PSF for a year and
its forecast, the cluster pot's division, each cluster's budget and its member schools' SEND
profile. A constant number of queries each; the arithmetic is in `clusters.psf` and
`clusters.calculations`.

Roles (seed 001 FAQ 12-17): an LA officer sees every cluster and compares them; a cluster host
(the "Cluster host" role and `Cluster.host_contact`) sees their cluster and all its requests; a
member school's SENCO sees the cluster's totals and their own school's requests only. This
product has no separate SENCO role: the "School business manager" role linked to a school
through `schools.SchoolAccess` stands in for the school's SENCO.

Modules (this package re-exports every public name, so callers keep `from clusters.selectors
import X`):

- `access`: who sees what (`in_force`, `senco_school_ids`, `hosted_clusters`,
  `can_use_clusters`, `visible_clusters`, `ClusterAccess`, `cluster_access`).
- `funding_requests`: cluster requests and who may make them (`requests_for`, `member_schools`,
  `requestable_schools`, `request_pupils`), meetings (`meetings`) and the auxiliary aids fund
  (`aux_fund`, `fund_balance`, `aux_applications_for`).
- `psf_data`: PSF rules and inputs as plain data (`psf_rules`, `protected_amounts`,
  `current_lines`, `psf_inputs`), a run's PSF lines (`psf_run_lines`) and one pupil's
  (`psf_for_pupil`).
- `psf_reports`: pupils with PSF on a date (`psf_pupils`), the forecast (`psf_forecast`) and the
  PSF released in a year (`psf_released_estimate`).
- `budgets`: the pot, its division and each cluster's budget (`cluster_pot`, `pot_years`,
  `division`, `cluster_spending`, `cluster_budget`, census helpers).
- `cluster_reports`: clusters compared (`comparison`) and member schools' SEND profile
  (`send_profile`).
- `home_page`: `start_page_items`.
"""

from clusters.selectors.access import (
    ClusterAccess,
    can_use_clusters,
    cluster_access,
    hosted_clusters,
    in_force,
    senco_school_ids,
    visible_clusters,
)
from clusters.selectors.budgets import (
    Division,
    DivisionSchool,
    census_date_for,
    census_roll,
    cluster_budget,
    cluster_pot,
    cluster_spending,
    division,
    latest_censuses,
    pot_years,
)
from clusters.selectors.cluster_reports import ComparisonRow, ProfileRow, comparison, send_profile
from clusters.selectors.funding_requests import (
    FundBalance,
    aux_applications_for,
    aux_fund,
    fund_balance,
    meetings,
    member_schools,
    request_pupils,
    requestable_schools,
    requests_for,
)
from clusters.selectors.home_page import start_page_items
from clusters.selectors.psf_data import (
    current_lines,
    protected_amounts,
    psf_for_pupil,
    psf_inputs,
    psf_rules,
    psf_run_lines,
)
from clusters.selectors.psf_reports import (
    ForecastSchoolRow,
    PsfForecast,
    PsfPupilRow,
    psf_forecast,
    psf_pupils,
    psf_released_estimate,
)

__all__ = [
    "ClusterAccess",
    "ComparisonRow",
    "Division",
    "DivisionSchool",
    "ForecastSchoolRow",
    "FundBalance",
    "ProfileRow",
    "PsfForecast",
    "PsfPupilRow",
    "aux_applications_for",
    "aux_fund",
    "can_use_clusters",
    "census_date_for",
    "census_roll",
    "cluster_access",
    "cluster_budget",
    "cluster_pot",
    "cluster_spending",
    "comparison",
    "current_lines",
    "division",
    "fund_balance",
    "hosted_clusters",
    "in_force",
    "latest_censuses",
    "meetings",
    "member_schools",
    "pot_years",
    "protected_amounts",
    "psf_for_pupil",
    "psf_forecast",
    "psf_inputs",
    "psf_pupils",
    "psf_released_estimate",
    "psf_rules",
    "psf_run_lines",
    "request_pupils",
    "requestable_schools",
    "requests_for",
    "send_profile",
    "senco_school_ids",
    "start_page_items",
    "visible_clusters",
]
