"""Reads for clusters and Pupil Specific Funding: who may see which cluster, PSF for a year and
its forecast, the cluster pot's division, each cluster's budget and its member schools' SEND
profile. A constant number of queries each; the arithmetic is in `clusters.psf` and
`clusters.calculations`.

Roles (seed 001 FAQ 12-17): an LA officer sees every cluster and compares them; a cluster host
(the "Cluster host" role and `Cluster.host_contact`) sees their cluster and all its requests; a
member school's SENCO sees the cluster's totals and their own school's requests only. This
product has no separate SENCO role: the "School business manager" role linked to a school
through `schools.SchoolAccess` stands in for the school's SENCO.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from clusters.calculations import (
    Budget,
    CensusRoll,
    ClusterCount,
    Shares,
    SharesError,
    cluster_shares,
    roll,
)
from clusters.models import (
    ApplicationStatus,
    AuxiliaryAidsApplication,
    AuxiliaryAidsFund,
    Cluster,
    ClusterMeeting,
    ClusterMembership,
    ClusterPot,
    ClusterRequest,
    PsfBasis,
    PsfProtectedAmount,
    PsfRules,
    RequestStatus,
)
from clusters.psf import (
    BASIS_LABELS,
    PSF,
    NoProtection,
    ProtectedAmount,
    ProtectedPupil,
    PsfInputs,
    PsfResult,
    PsfRulesData,
    PupilData,
    YearDays,
    annual_psf,
    forecast,
    lines_in_force,
    protection,
    psf_lines,
)
from funding.calculations.allocation import (
    AllocationInputs,
    Engine,
    LineData,
    NoSchoolDays,
    SchoolInfo,
)
from funding.calculations.money import ZERO
from funding.calculations.periods import PlacementSpan, PlanSpan, SupportSpan
from funding.calculations.top_up import Support
from funding.models import FundingScheme
from funding.selectors import allocation_inputs
from pupils.models import Placement, Plan, Pupil, SupportLevel
from pupils.selectors import pupils_with_plan_in_force
from schools.dates import FinancialYear
from schools.models import LocalAuthority, School, SchoolCensus
from schools.roles import is_cluster_host, is_la_officer, is_school_user
from schools.selectors import administering_la, school_calendar

# ---- who sees what -----------------------------------------------------------------------------


def in_force(on: dt.date, prefix: str = "") -> Q:
    """Memberships (or anything with starts_on/ends_on) in force on a date."""
    return Q(**{f"{prefix}starts_on__lte": on}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": on})
    )


def senco_school_ids(user) -> set[int]:
    """The schools whose SENCO the user is (school business managers stand in for SENCOs)."""
    if not is_school_user(user):
        return set()
    cached = getattr(user, "_senco_school_ids", None)
    if cached is None:
        cached = set(School.objects.filter(accesses__user=user).values_list("pk", flat=True))
        user._senco_school_ids = cached
    return cached


def hosted_clusters(user) -> QuerySet[Cluster]:
    if not user.is_authenticated or not is_cluster_host(user):
        return Cluster.objects.none()
    return Cluster.objects.filter(host_contact=user)


def can_use_clusters(user) -> bool:
    """Anyone with a part in cluster work: LA officers, cluster hosts, SENCOs."""
    return is_la_officer(user) or is_cluster_host(user) or is_school_user(user)


def visible_clusters(user, on: dt.date | None = None) -> QuerySet[Cluster]:
    """All clusters for LA officers; a host's own clusters; the clusters a SENCO's schools
    belong to today."""
    if not user.is_authenticated:
        return Cluster.objects.none()
    if is_la_officer(user):
        return Cluster.objects.all()
    on = on or timezone.localdate()
    condition = Q(pk__in=[])
    if is_cluster_host(user):
        condition |= Q(host_contact=user)
    schools = senco_school_ids(user)
    if schools:
        condition |= Q(
            pk__in=ClusterMembership.objects.filter(in_force(on), school_id__in=schools).values(
                "cluster_id"
            )
        )
    return Cluster.objects.filter(condition).distinct()


@dataclass(frozen=True)
class ClusterAccess:
    """What the user may do in one cluster."""

    is_la_officer: bool = False
    is_host: bool = False
    senco_schools: frozenset[int] = frozenset()  # member schools the user is SENCO of

    @property
    def sees_all_requests(self) -> bool:
        return self.is_la_officer or self.is_host

    @property
    def can_review(self) -> bool:
        return self.is_host

    @property
    def can_manage_meetings(self) -> bool:
        return self.is_host or self.is_la_officer

    @property
    def can_request(self) -> bool:
        return self.is_host or bool(self.senco_schools)

    def sees_pupils_of(self, school_id: int | None) -> bool:
        """Pupil names and UPNs of a school: the LA, and the school's own SENCO (its business
        manager). A host acts for the cluster, not for its schools' pupils: a host who is also
        a school's business manager sees that school's pupils, no other's."""
        return self.is_la_officer or school_id in self.senco_schools


def cluster_access(user, cluster: Cluster, on: dt.date | None = None) -> ClusterAccess:
    on = on or timezone.localdate()
    schools = senco_school_ids(user)
    members = (
        frozenset(
            ClusterMembership.objects.filter(
                in_force(on), cluster=cluster, school_id__in=schools
            ).values_list("school_id", flat=True)
        )
        if schools
        else frozenset()
    )
    return ClusterAccess(
        is_la_officer=is_la_officer(user),
        is_host=is_cluster_host(user) and cluster.host_contact_id == user.pk,
        senco_schools=members,
    )


def requests_for(user, cluster: Cluster, access: ClusterAccess | None = None):
    """The cluster's requests the user may see: all for the LA and the host, else their
    schools' only."""
    access = access or cluster_access(user, cluster)
    qs = ClusterRequest.objects.filter(cluster=cluster).select_related(
        "school", "pupil", "meeting", "submitted_by", "reviewed_by"
    )
    if access.sees_all_requests:
        return qs
    return qs.filter(school_id__in=access.senco_schools)


def member_schools(cluster: Cluster, on: dt.date) -> QuerySet[School]:
    return School.objects.filter(
        cluster_memberships__in=ClusterMembership.objects.filter(in_force(on), cluster=cluster)
    ).order_by("name")


def requestable_schools(user, cluster: Cluster, access: ClusterAccess, on: dt.date):
    """Schools the user may ask for: the host for any member, a SENCO for their own."""
    members = member_schools(cluster, on)
    if access.is_host:
        return members
    return members.filter(pk__in=access.senco_schools)


def request_pupils(access: ClusterAccess, school: School | None, on: dt.date) -> QuerySet[Pupil]:
    """The pupils a request form may name: those on roll at the chosen `school` on `on` with a
    plan in force, when the user sees that school's pupils; else none. Nothing is listed until
    a school is chosen, so a host (or a SENCO of several schools) never sees a cluster-wide list.
    """
    if school is None or not access.sees_pupils_of(school.pk):
        return Pupil.objects.none()
    return pupils_with_plan_in_force(
        Pupil.objects.filter(
            pk__in=Placement.objects.filter(in_force(on), school=school).values("pupil_id")
        ),
        on,
    ).order_by("family_name", "given_name", "pk")


# ---- PSF: rules and inputs ---------------------------------------------------------------------


def psf_rules(scheme: FundingScheme) -> PsfRulesData:
    """The scheme's switches and its PSF rules (defaults where it has none) as plain data."""
    rules = PsfRules.objects.filter(scheme=scheme).first()
    base = {"enabled": scheme.psf_enabled, "cutover": scheme.psf_cutover_date}
    if rules is None:
        return PsfRulesData(**base)
    return PsfRulesData(
        **base,
        basis=rules.basis,
        ends_at_end_of_nursery=rules.ends_at_end_of_nursery,
        ends_at_end_of_primary=rules.ends_at_end_of_primary,
        ends_at_end_of_secondary=rules.ends_at_end_of_secondary,
        specialist_placements=rules.specialist_placements,
    )


@dataclass
class _History:
    pupils: dict[int, PupilData] = field(default_factory=dict)
    placements: dict[int, list[PlacementSpan]] = field(default_factory=dict)
    plans: dict[int, list[PlanSpan]] = field(default_factory=dict)
    supports: dict[int, list[SupportSpan]] = field(default_factory=dict)
    schools: dict[int, SchoolInfo] = field(default_factory=dict)


def _candidates(rules: PsfRulesData, la: LocalAuthority, start: dt.date, end: dt.date):
    """Pupils who may have PSF in start..end: a plan issued before the cut-over and a placement
    at one of the LA's schools in the range."""
    plans = Plan.objects.all()
    if rules.cutover is not None:
        plans = plans.filter(issued_on__lt=rules.cutover)
    placed = Placement.objects.filter(school__la=la, starts_on__lte=end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=start)
    )
    return Pupil.objects.filter(
        pk__in=plans.values("pupil_id"),
    ).filter(pk__in=placed.values("pupil_id"))


def _history(pupils_qs) -> _History:
    """Every placement, plan and support level of the pupils (whole histories): five queries."""
    h = _History()
    for pk, upn, dob, home in pupils_qs.values_list(
        "pk", "upn", "date_of_birth", "home_la_id"
    ).order_by("pk"):
        h.pupils[pk] = PupilData(pk, dob, home, upn)
    ids = list(h.pupils)
    placements: dict[int, list[PlacementSpan]] = defaultdict(list)
    school_ids: set[int] = set()
    for row in (
        Placement.objects.filter(pupil_id__in=ids)
        .values_list(
            "pk", "pupil_id", "school_id", "kind", "starts_on", "ends_on", "admission_kind"
        )
        .order_by("starts_on", "pk")
    ):
        placements[row[1]].append(PlacementSpan(*row))
        school_ids.add(row[2])
    plans: dict[int, list[PlanSpan]] = defaultdict(list)
    plan_ids = []
    for pk, pupil_id, issued, ceased, kind in (
        Plan.objects.filter(pupil_id__in=ids)
        .values_list("pk", "pupil_id", "issued_on", "ceased_on", "kind")
        .order_by("issued_on", "pk")
    ):
        plans[pupil_id].append(PlanSpan(pk, pupil_id, issued, ceased, kind))
        plan_ids.append(pk)
    supports: dict[int, list[SupportSpan]] = defaultdict(list)
    for row in (
        SupportLevel.objects.filter(plan_id__in=plan_ids)
        .values_list(
            "pk",
            "plan_id",
            "effective_from",
            "effective_to",
            "lsa_hours",
            "lst_hours",
            "ta_hours",
            "band",
            "resource_amount",
        )
        .order_by("effective_from", "pk")
    ):
        supports[row[1]].append(SupportSpan(row[0], row[1], row[2], row[3], Support(*row[4:])))
    h.placements, h.plans, h.supports = dict(placements), dict(plans), dict(supports)
    h.schools = {
        row[0]: SchoolInfo(*row)
        for row in School.objects.filter(pk__in=school_ids).values_list(
            "pk", "urn", "name", "la_id", "phase", "establishment_type", "opened_on", "closed_on"
        )
    }
    return h


def protected_amounts(pupil_ids) -> dict[int, ProtectedAmount]:
    """The pupils' protected historical amounts (R15+), by pupil id: one query."""
    return {
        pupil_id: ProtectedAmount(amount, source)
        for pupil_id, amount, source in PsfProtectedAmount.objects.filter(
            pupil_id__in=pupil_ids
        ).values_list("pupil_id", "annual_amount", "source")
    }


def current_lines(
    scheme: FundingScheme,
    fy: FinancialYear,
    pupil_ids: list[int],
    base: AllocationInputs | None = None,
) -> dict[int, list[LineData]]:
    """What the current scheme pays for each pupil in the year: the engine's pupil lines (element
    3 top-up, supplements, ENF...), from the run's own inputs when given (so PSF nets off exactly
    the lines the run writes), else read for these pupils alone."""
    if not pupil_ids:
        return {}
    if base is None:
        base = allocation_inputs(
            fy, scheme=scheme, la=scheme.la, pupil_ids=pupil_ids, with_schools=False
        )
    try:
        engine = Engine(base)
    except NoSchoolDays:
        return {}
    out: dict[int, list[LineData]] = {}
    for pupil_id in pupil_ids:
        info = base.pupils.get(pupil_id)
        if info is not None:
            out[pupil_id] = [line for line in engine.pupil_lines(info) if line.element != PSF]
    return out


def psf_inputs(
    scheme: FundingScheme,
    *,
    base: AllocationInputs | None = None,
    pupil_ids: list[int] | None = None,
    fy: FinancialYear | None = None,
) -> PsfInputs:
    """What `clusters.psf.psf_lines` needs for a year (default the scheme's): the candidates'
    whole histories, protected amounts and what the current scheme pays for them. With `base`
    (a run's inputs) its calendar and lines are reused."""
    fy = fy or FinancialYear(scheme.financial_year)
    la = scheme.la
    rules = psf_rules(scheme)
    calendar = base.calendar if base is not None else school_calendar(la, fy.starts_on, fy.ends_on)
    if pupil_ids is not None:  # these pupils, to explain why they have PSF or not
        pupils = Pupil.objects.filter(pk__in=pupil_ids)
    else:
        pupils = _candidates(rules, la, fy.starts_on, fy.ends_on)
    h = _history(pupils) if rules.enabled else _History()
    ids = list(h.pupils)
    protected = protected_amounts(ids) if ids else {}
    current = {}
    if rules.basis == PsfBasis.PROTECTED_LESS_CURRENT:
        current = current_lines(scheme, fy, [i for i in ids if i in protected], base)
    return PsfInputs(
        fy=fy,
        rules=rules,
        calendar=calendar,
        administering_la_id=la.pk,
        schools=h.schools,
        pupils=h.pupils,
        placements=h.placements,
        plans=h.plans,
        supports=h.supports,
        protected=protected,
        current_lines=current,
    )


def psf_run_lines(inputs: AllocationInputs) -> tuple[list, list[str]]:
    """R15-R17: the PSF lines every allocation run adds (none when its scheme does not use PSF).

    The run's line source (`funding.extensions`), registered in `ClustersConfig.ready()`: the
    engine calls it with the run's inputs after its own lines, and writes these with them.
    """
    if not inputs.rates.psf_enabled:
        return [], []
    scheme = (
        FundingScheme.objects.select_related("la")
        .filter(la_id=inputs.administering_la_id, financial_year=inputs.fy.start_year)
        .first()
    )
    if scheme is None:
        return [], []
    result = psf_lines(psf_inputs(scheme, base=inputs))
    return result.lines, result.warnings


def psf_for_pupil(pupil: Pupil | int, fy: int | FinancialYear | None = None) -> PsfResult:
    """One pupil's PSF for a year (default the current one): protection and lines."""
    fy = FinancialYear(int(fy)) if isinstance(fy, int) else fy
    fy = fy or FinancialYear.of(timezone.localdate())
    scheme = _scheme_for_psf(fy)
    if scheme is None:
        return PsfResult()
    pupil_id = pupil if isinstance(pupil, int) else pupil.pk
    return psf_lines(psf_inputs(scheme, pupil_ids=[pupil_id], fy=fy))


def _scheme_for_psf(fy: FinancialYear) -> FundingScheme | None:
    """The administering LA's scheme for the year, else its latest earlier one."""
    return (
        FundingScheme.objects.select_related("la")
        .filter(la__is_administering=True, financial_year__lte=fy.start_year)
        .order_by("-financial_year")
        .first()
    )


# ---- PSF today and the forecast ------------------------------------------------------------------


@dataclass(frozen=True)
class PsfPupilRow:
    pupil_id: int
    upn: str
    name: str
    date_of_birth: dt.date
    school_id: int
    school_name: str
    urn: int
    annual: Decimal
    ends_on: dt.date | None
    end_rule: str
    ends_text: str
    protected_because: str
    support: str
    protected: Decimal | None = None  # None: no protected historical amount recorded (no PSF)
    protected_source: str = ""
    working: str = ""


def psf_pupils(on: dt.date | None = None, *, school_ids=None) -> tuple[list[PsfPupilRow], str]:
    """Pupils with PSF on a date (default today): the annual amount then and when it ends.

    Returns (rows, a note: which scheme's rates, or why there is none).
    """
    on = on or timezone.localdate()
    fy = FinancialYear.of(on)
    scheme = _scheme_for_psf(fy)
    if scheme is None:
        return [], "There is no funding scheme for this year."
    rules = psf_rules(scheme)
    if not rules.enabled:
        return [], f"{scheme.name} does not use Pupil Specific Funding."
    candidates = _candidates(rules, scheme.la, on, on)
    if school_ids is not None:
        candidates = candidates.filter(
            placements__school_id__in=school_ids,
            placements__starts_on__lte=on,
        ).distinct()
    h = _history(candidates)
    ids = list(h.pupils)
    protected = protected_amounts(ids)
    current: dict[int, list[LineData]] = {}
    if rules.basis == PsfBasis.PROTECTED_LESS_CURRENT:
        current = current_lines(scheme, fy, [i for i in ids if i in protected])
    people = {
        pk: (given, family)
        for pk, given, family in Pupil.objects.filter(pk__in=ids).values_list(
            "pk", "given_name", "family_name"
        )
    }
    school_names = {pk: s.name for pk, s in h.schools.items()}
    rows = []
    for pupil in h.pupils.values():
        found = _protected_on(pupil, h, rules, scheme.la_id, on, school_names)
        if found is None:
            continue
        prot, placement, level = found
        if school_ids is not None and placement.school_id not in school_ids:
            continue
        amount = protected.get(pupil.id)
        if amount is None:
            annual, working = ZERO, "No protected historical amount recorded: no PSF (R15+)."
        else:
            psf = annual_psf(amount, lines_in_force(current.get(pupil.id, []), on), rules)
            annual, working = psf.amount, f"PSF: {psf.formula}"
            if annual <= 0:
                continue
        school = h.schools[placement.school_id]
        given, family = people[pupil.id]
        rows.append(
            PsfPupilRow(
                pupil_id=pupil.id,
                upn=pupil.upn,
                name=f"{given} {family}",
                date_of_birth=pupil.date_of_birth,
                school_id=school.id,
                school_name=school.name,
                urn=school.urn,
                annual=annual,
                ends_on=prot.ends_on,
                end_rule=prot.end_rule,
                ends_text=prot.ends_text,
                protected_because=prot.protected_because,
                support=level.support.summary,
                protected=amount.annual if amount is not None else None,
                protected_source=amount.source if amount is not None else "",
                working=working,
            )
        )
    rows.sort(key=lambda r: (r.school_name, r.ends_on or dt.date.max, r.name))
    return rows, f"{scheme.name}: {BASIS_LABELS.get(rules.basis, rules.basis)}."


def _protected_on(pupil, h: _History, rules, la_id, on, school_names):
    """(protection, placement, support level) if the pupil is PSF-protected on `on`."""
    placements = h.placements.get(pupil.id, [])
    prot = protection(pupil, placements, h.plans.get(pupil.id, []), rules, school_names)
    if isinstance(prot, NoProtection) or not prot.covers(on):
        return None
    placement = next(
        (
            p
            for p in placements
            if p.starts_on <= on
            and (p.ends_on is None or on <= p.ends_on)
            and rules.pays_at(p)
            and h.schools[p.school_id].la_id == la_id
        ),
        None,
    )
    if placement is None:
        return None
    level = None
    for plan in prot.plans:
        if plan.issued_on <= on and (plan.ceased_on is None or on <= plan.ceased_on):
            level = next(
                (
                    s
                    for s in h.supports.get(plan.id, [])
                    if s.effective_from <= on and (s.effective_to is None or on <= s.effective_to)
                ),
                None,
            )
    if level is None:
        return None
    return prot, placement, level


@dataclass
class ForecastSchoolRow:
    school_id: int
    school_name: str
    urn: int
    pupils: int
    baseline: Decimal
    years: list  # ForecastYear


@dataclass
class PsfForecast:
    """The PSF forecast with school names, for the page and the export."""

    note: str
    basis_date: dt.date
    years: list[FinancialYear]
    pupils: int
    baseline: Decimal
    totals: list
    schools: list[ForecastSchoolRow]
    released_by_rule: dict[str, list[Decimal]]
    estimated_years: list[FinancialYear]


def psf_forecast(first_year: FinancialYear | None = None, *, count: int = 7) -> PsfForecast:
    """R15-R17 over the transition (seed 001 FAQ 8: 7 years): for each financial year from
    `first_year` (default the current one), the PSF still protected and the amount released,
    per school and in total, from the pupils with PSF on 1 April of the first year."""
    today = timezone.localdate()
    first_year = first_year or FinancialYear.of(today)
    basis = first_year.starts_on
    rows, note = psf_pupils(basis)
    la = administering_la()
    calendar = school_calendar(la)
    year_days = YearDays(calendar)
    protected = [
        ProtectedPupil(r.pupil_id, r.school_id, r.annual, r.ends_on, r.end_rule, r.ends_text)
        for r in rows
        if r.protected is not None
    ]
    result = forecast(protected, first_year, year_days, basis, count)
    info = {r.school_id: (r.school_name, r.urn) for r in rows}
    schools = [
        ForecastSchoolRow(
            school_id=school_id,
            school_name=info[school_id][0],
            urn=info[school_id][1],
            pupils=result.pupils_by_school[school_id],
            baseline=result.baseline_by_school[school_id],
            years=years,
        )
        for school_id, years in result.by_school.items()
    ]
    schools.sort(key=lambda s: s.school_name)
    return PsfForecast(
        note=note,
        basis_date=basis,
        years=result.years,
        pupils=result.pupils,
        baseline=result.baseline,
        totals=result.totals,
        schools=schools,
        released_by_rule=result.released_by_rule,
        estimated_years=[fy for fy in result.years if not year_days.is_known(fy)],
    )


def psf_released_estimate(fy: FinancialYear) -> tuple[Decimal, str]:
    """The PSF released in a year, from the forecast that starts in the current year: the PSF of
    the pupils protected on 1 April this year, less what is still protected in `fy`."""
    current = FinancialYear.of(timezone.localdate())
    if fy < current:
        return ZERO, "No forecast for a past year: enter the figure from the year's accounts."
    count = fy.start_year - current.start_year + 1
    result = psf_forecast(current, count=count)
    year = result.totals[-1] if result.totals else None
    if year is None:
        return ZERO, "No pupils have Pupil Specific Funding."
    return (
        year.released,
        f"PSF forecast: £{result.baseline:,.2f} a year protected on "
        f"{result.basis_date:%-d %B %Y} less £{year.protected:,.2f} still protected in FY {fy}.",
    )


# ---- the pot and its division ----------------------------------------------------------------


def cluster_pot(fy: FinancialYear) -> ClusterPot | None:
    return (
        ClusterPot.objects.select_related("scheme__la")
        .filter(scheme__la__is_administering=True, scheme__financial_year=fy.start_year)
        .first()
    )


def pot_years() -> list[int]:
    return list(
        ClusterPot.objects.filter(scheme__la__is_administering=True)
        .order_by("-scheme__financial_year")
        .values_list("scheme__financial_year", flat=True)
    )


def census_date_for(pot: ClusterPot) -> dt.date:
    return pot.census_on or (pot.fy.starts_on - dt.timedelta(days=1))


def latest_censuses(school_ids, on: dt.date) -> dict[int, SchoolCensus]:
    """Each school's latest census on or before `on` (one query)."""
    found: dict[int, SchoolCensus] = {}
    for census in SchoolCensus.objects.filter(
        school_id__in=school_ids, census_date__lte=on
    ).order_by("school_id", "-census_date"):
        found.setdefault(census.school_id, census)
    return found


def census_roll(census: SchoolCensus | None) -> CensusRoll:
    if census is None:
        return CensusRoll()
    return CensusRoll(
        nursery=census.nursery,
        reception_to_year_11=census.roll_excluding_nursery_and_sixth_form,
        sixth_form=census.year_12 + census.year_13,
    )


@dataclass
class DivisionSchool:
    school_id: int
    cluster_id: int
    name: str
    urn: int
    pupils: int
    census_date: dt.date | None


@dataclass
class Division:
    """The pot's division among clusters for a year, with each member school's count."""

    pot: ClusterPot
    census_on: dt.date
    members_on: dt.date
    shares: Shares | None
    error: str
    schools: list[DivisionSchool]
    missing_census: list[str]

    def share_of(self, cluster_id: int):
        if self.shares is None:
            return None
        return next((s for s in self.shares.shares if s.cluster_id == cluster_id), None)


def division(pot: ClusterPot) -> Division:
    """R18: every cluster's share of the pot (four queries)."""
    members_on = pot.membership_date
    census_on = census_date_for(pot)
    memberships = list(
        ClusterMembership.objects.filter(in_force(members_on))
        .select_related("school", "cluster")
        .order_by("cluster__name", "school__name")
    )
    censuses = latest_censuses([m.school_id for m in memberships], census_on)
    clusters = {c.pk: c for c in Cluster.objects.order_by("name")}
    counts: dict[int, list[int]] = {pk: [0, 0] for pk in clusters}
    schools = []
    missing = []
    for m in memberships:
        census = censuses.get(m.school_id)
        pupils = roll(
            census_roll(census),
            nursery=pot.roll_includes_nursery,
            sixth_form=pot.roll_includes_sixth_form,
        )
        if census is None:
            missing.append(m.school.name)
        counts[m.cluster_id][0] += 1
        counts[m.cluster_id][1] += pupils
        schools.append(
            DivisionSchool(
                m.school_id,
                m.cluster_id,
                m.school.name,
                m.school.urn,
                pupils,
                census.census_date if census else None,
            )
        )
    cluster_counts = [
        ClusterCount(pk, clusters[pk].name, n_schools, n_pupils)
        for pk, (n_schools, n_pupils) in counts.items()
        if n_schools
    ]
    try:
        shares = cluster_shares(pot.total, pot.fixed_sum_per_school, cluster_counts)
        error = ""
    except SharesError as exc:
        shares, error = None, str(exc)
    return Division(pot, census_on, members_on, shares, error, schools, missing)


def cluster_spending(fy: FinancialYear, cluster_ids=None) -> dict[int, tuple[Decimal, Decimal]]:
    """(committed, spent) per cluster for a year: approved amounts not yet closed, and the
    amounts spent on requests whose impact is recorded (one query)."""
    qs = ClusterRequest.objects.filter(financial_year=fy.start_year)
    if cluster_ids is not None:
        qs = qs.filter(cluster_id__in=cluster_ids)
    rows = qs.values("cluster_id").annotate(
        committed=Sum("amount_approved", filter=Q(status=RequestStatus.APPROVED)),
        spent=Sum("amount_spent", filter=Q(status=RequestStatus.IMPACT_RECORDED)),
    )
    return {r["cluster_id"]: (r["committed"] or ZERO, r["spent"] or ZERO) for r in rows}


def cluster_budget(cluster: Cluster, fy: FinancialYear, div: Division | None = None) -> Budget:
    if div is None:
        pot = cluster_pot(fy)
        div = division(pot) if pot is not None else None
    share = div.share_of(cluster.pk) if div is not None else None
    committed, spent = cluster_spending(fy, [cluster.pk]).get(cluster.pk, (ZERO, ZERO))
    return Budget(share.share if share else ZERO, committed, spent)


@dataclass
class ComparisonRow:
    cluster_id: int
    name: str
    host_school: str
    schools: int
    pupils: int
    share: Decimal
    committed: Decimal
    spent: Decimal
    remaining: Decimal
    approved: Decimal
    awaiting_review: int
    pot_per_pupil: Decimal | None
    approved_per_pupil: Decimal | None


def comparison(fy: FinancialYear) -> tuple[list[ComparisonRow], Division | None]:
    """Every cluster side by side for an LA officer: share, spending, per pupil (constant
    queries)."""
    pot = cluster_pot(fy)
    div = division(pot) if pot is not None else None
    spending = cluster_spending(fy)
    approved = dict(
        ClusterRequest.objects.filter(
            financial_year=fy.start_year,
            status__in=[RequestStatus.APPROVED, RequestStatus.IMPACT_RECORDED],
        )
        .values("cluster_id")
        .annotate(total=Sum("amount_approved"))
        .values_list("cluster_id", "total")
    )
    waiting = dict(
        ClusterRequest.objects.filter(status=RequestStatus.SUBMITTED)
        .values("cluster_id")
        .annotate(n=Count("pk"))
        .values_list("cluster_id", "n")
    )
    on = div.members_on if div is not None else fy.starts_on
    member_counts = dict(
        ClusterMembership.objects.filter(in_force(on))
        .values("cluster_id")
        .annotate(n=Count("pk"))
        .values_list("cluster_id", "n")
    )
    rows = []
    for cluster in Cluster.objects.select_related("host_school").order_by("name"):
        share = div.share_of(cluster.pk) if div is not None else None
        committed, spent = spending.get(cluster.pk, (ZERO, ZERO))
        amount = share.share if share else ZERO
        pupils = share.pupils if share else 0
        total_approved = approved.get(cluster.pk) or ZERO
        rows.append(
            ComparisonRow(
                cluster_id=cluster.pk,
                name=cluster.name,
                host_school=cluster.host_school.name if cluster.host_school else "",
                schools=share.schools if share else member_counts.get(cluster.pk, 0),
                pupils=pupils,
                share=amount,
                committed=committed,
                spent=spent,
                remaining=amount - committed - spent,
                approved=total_approved,
                awaiting_review=waiting.get(cluster.pk, 0),
                pot_per_pupil=(amount / pupils).quantize(Decimal("0.01")) if pupils else None,
                approved_per_pupil=(total_approved / pupils).quantize(Decimal("0.01"))
                if pupils
                else None,
            )
        )
    return rows, div


# ---- member schools' SEND profile (FAQ 12: "SEND profile for the school and the cluster") -----


@dataclass
class ProfileRow:
    school_id: int
    name: str
    urn: int
    phase: str
    census_date: dt.date | None
    roll: int
    ehc_plans: int
    sen_support: int
    psf_pupils: int

    @property
    def ehc_percent(self) -> Decimal | None:
        if not self.roll:
            return None
        return (Decimal(self.ehc_plans * 100) / self.roll).quantize(Decimal("0.1"))

    @property
    def sen_support_percent(self) -> Decimal | None:
        return (
            (Decimal(self.sen_support * 100) / self.roll).quantize(Decimal("0.1"))
            if self.roll
            else None
        )


def send_profile(cluster: Cluster, on: dt.date | None = None) -> list[ProfileRow]:
    """Each member school's roll (Reception to Year 11), EHC plans and SEN support from its
    latest census, and its pupils with PSF today. Counts only: no pupil is named."""
    on = on or timezone.localdate()
    schools = list(member_schools(cluster, on))
    censuses = latest_censuses([s.pk for s in schools], on)
    psf_rows, _note = psf_pupils(on, school_ids={s.pk for s in schools})
    psf_counts: dict[int, int] = defaultdict(int)
    for row in psf_rows:
        if row.annual > 0:
            psf_counts[row.school_id] += 1
    out = []
    for school in schools:
        census = censuses.get(school.pk)
        out.append(
            ProfileRow(
                school_id=school.pk,
                name=school.name,
                urn=school.urn,
                phase=school.get_phase_display(),
                census_date=census.census_date if census else None,
                roll=census.roll_excluding_nursery_and_sixth_form if census else 0,
                ehc_plans=census.ehc_plans if census else 0,
                sen_support=census.sen_support if census else 0,
                psf_pupils=psf_counts.get(school.pk, 0),
            )
        )
    return out


# ---- meetings, auxiliary aids ---------------------------------------------------------------


def meetings(cluster: Cluster) -> QuerySet[ClusterMeeting]:
    return (
        ClusterMeeting.objects.filter(cluster=cluster)
        .annotate(reviewed=Count("requests_reviewed"))
        .order_by("-academic_year", "number")
    )


def aux_fund(fy: FinancialYear) -> AuxiliaryAidsFund | None:
    return AuxiliaryAidsFund.objects.filter(financial_year=fy.start_year).first()


@dataclass(frozen=True)
class FundBalance:
    budget: Decimal
    approved: Decimal
    awaiting: Decimal

    @property
    def balance(self) -> Decimal:
        return self.budget - self.approved


def fund_balance(fund: AuxiliaryAidsFund) -> FundBalance:
    totals = AuxiliaryAidsApplication.objects.filter(fund=fund).aggregate(
        approved=Sum("amount_approved", filter=Q(status=ApplicationStatus.APPROVED)),
        awaiting=Sum("amount_requested", filter=Q(status=ApplicationStatus.SUBMITTED)),
    )
    return FundBalance(fund.budget, totals["approved"] or ZERO, totals["awaiting"] or ZERO)


def aux_applications_for(user, fund: AuxiliaryAidsFund):
    qs = AuxiliaryAidsApplication.objects.filter(fund=fund).select_related(
        "school", "pupil", "submitted_by", "decided_by"
    )
    if is_la_officer(user):
        return qs
    return qs.filter(school_id__in=senco_school_ids(user))


# ---- the home page -----------------------------------------------------------------------------


def start_page_items(user) -> list[dict]:
    """What the cluster work puts on the home page for the user's role."""
    items: list[dict] = []
    if not user.is_authenticated:
        return items
    if is_la_officer(user):
        items.append(
            {
                "title": "Clusters",
                "url": reverse("clusters:list"),
                "description": "Cluster pots, requests and spending, compared.",
            }
        )
        waiting = AuxiliaryAidsApplication.objects.filter(
            status=ApplicationStatus.SUBMITTED
        ).count()
        items.append(
            {
                "title": "Auxiliary aids applications awaiting a decision",
                "count": waiting,
                "url": reverse("clusters:aux_fund"),
                "description": "Building adaptations for disabled children (central fund).",
            }
        )
        return items
    for cluster in hosted_clusters(user).order_by("name"):
        waiting = ClusterRequest.objects.filter(
            cluster=cluster, status=RequestStatus.SUBMITTED
        ).count()
        items.append(
            {
                "title": f"Requests awaiting review: {cluster.name}",
                "count": waiting,
                "url": reverse("clusters:requests", args=[cluster.pk]) + "?status=submitted",
                "description": "Review them at the next cluster meeting.",
            }
        )
    if is_school_user(user):
        for cluster in visible_clusters(user).order_by("name")[:5]:
            items.append(
                {
                    "title": f"Your cluster: {cluster.name}",
                    "url": reverse("clusters:detail", args=[cluster.pk]),
                    "description": "Ask for support-for-learning funding; record impact.",
                }
            )
    return items
