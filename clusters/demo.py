"""Cluster work for the demo LA built by `funding.demo`: `seed_cluster_demo()`.

Call it after `funding.demo.seed_demo()` and `seed_demo_funding()` (it needs the demo's schools,
clusters, users and funding schemes). It:

- switches the FY 2026-27 scheme to the Norfolk model (PSF in use, cut-over 1 September 2025,
  PSF = the protected historical amount less what the current scheme pays) and, with
  `run=True`, calculates a revised FY 2026-27 allocation run so the PSF lines appear (R15-R17);
- records each protected pupil's protected historical amount (R15+): the pupil's support on
  the day before the cut-over at the historical PSF rates (`HISTORICAL_RATES`, 38 weeks), or the
  LA's resource level as it was;
- gives the Riverside Cluster a host (login `cluster2`);
- sets the cluster pots for FY 2025-26 and FY 2026-27 (R18);
- sets up the annual framework of six meetings for 2025/26 and 2026/27, the past ones held with
  minutes;
- records requests in every status through the real services: awaiting review, approved,
  approved with a different amount, declined, withdrawn, and impact recorded (R19);
- opens the auxiliary aids fund for both years with applications approved, declined and waiting.

Deterministic: the same database gives the same records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from clusters import services
from clusters.models import (
    Cluster,
    ClusterMeeting,
    ClusterMembership,
    ClusterRequest,
    Decision,
    ImpactRating,
    MeetingStatus,
    PsfBasis,
    PsfRules,
    RequestCategory,
)
from funding.calculations.money import round_money
from funding.models import FundingScheme
from pupils.models import Placement, Plan, SupportLevel
from schools import roles
from schools.dates import AcademicYear, FinancialYear
from schools.models import SchoolAccess

DEMO_PASSWORD = "demo-password-2026"
CUTOVER = dt.date(2025, 9, 1)
# What the historical policy paid an hour for a statement's support, 38 weeks a year (the demo's
# stand-in for the LA's PSF schedule before the cut-over).
HISTORICAL_RATES = {"lsa": Decimal("14.20"), "lst": Decimal("29.00"), "ta": Decimal("14.20")}
HISTORICAL_WEEKS = Decimal("38")


@dataclass
class ClusterDemoSummary:
    pots: list[tuple[str, Decimal]] = field(default_factory=list)
    meetings: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    applications: int = 0
    protected_amounts: int = 0
    run: tuple[int, Decimal, int] | None = None
    logins: list[tuple[str, str, str]] = field(default_factory=list)


# (category, who, need, provision, outcomes, amount, weeks)
REQUESTS = [
    (
        RequestCategory.SUPPORT_FOR_LEARNING,
        "Group of six Year 2 pupils",
        "Six pupils reading well below age-related expectations after phonics catch-up.",
        "Daily 20-minute small-group reading with a trained TA for two terms.",
        "Each pupil gains at least a year in reading age; five of six pass the phonics re-check.",
        "4200.00",
    ),
    (
        RequestCategory.MEDICAL,
        "Pupil in Year 4 (J.K.)",
        "Newly diagnosed type 1 diabetes; needs supervision at lunch and before PE.",
        "A trained TA for 45 minutes a day and diabetes training for two staff.",
        "Safe blood glucose management in school; full attendance and access to PE.",
        "3150.00",
    ),
    (
        RequestCategory.FIRST_YEAR,
        "Pupil in Reception (M.P.)",
        "Significant speech and language delay on entry; not yet toileting independently.",
        "One-to-one support for 10 hours a week in the first two terms, with SALT advice.",
        "Uses 3-word phrases; settled in class routines; toileting independently by Easter.",
        "5600.00",
    ),
    (
        RequestCategory.SUPPORT_FOR_LEARNING,
        "Pupil in Year 8 (R.T.)",
        "Autistic pupil with rising anxiety, refusing lessons after lunch.",
        "Mentoring three times a week and a quiet base at lunch, with a key adult.",
        "Attends afternoon lessons at least 4 days a week; anxiety scale below 5 of 10.",
        "3800.00",
    ),
    (
        RequestCategory.CAPACITY,
        "All member schools' TAs",
        "TAs across the cluster ask for training in precision teaching and ELSA.",
        "Two twilight sessions for 40 TAs from the Educational Psychology service.",
        "TAs use precision teaching in every school; evaluation shows confidence up.",
        "2400.00",
    ),
    (
        RequestCategory.SUPPORT_FOR_LEARNING,
        "Group of four Year 10 pupils",
        "Four pupils with dyslexia need exam access arrangements and assistive tools.",
        "Reading pens and a half-term of touch-typing tuition.",
        "All four use their tools independently in mock exams.",
        "1900.00",
    ),
]


def _user(username: str, first: str, last: str, role: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@demo-borough.example",
        )
        user.groups.add(Group.objects.get(name=role))
    return user


def _members(cluster: Cluster, on: dt.date) -> list:
    return [
        m.school
        for m in ClusterMembership.objects.filter(cluster=cluster, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .select_related("school")
        .order_by("school__name")
    ]


def _switch_to_norfolk_model(officer: User) -> FundingScheme | None:
    scheme = FundingScheme.objects.filter(la__is_administering=True, financial_year=2026).first()
    if scheme is None:
        return None
    scheme.psf_enabled = True
    scheme.psf_cutover_date = CUTOVER
    scheme._history_user = officer
    scheme._change_reason = "Demo: Norfolk cluster model from September 2025"
    scheme.save()
    PsfRules.objects.update_or_create(
        scheme=scheme,
        defaults={
            "basis": PsfBasis.PROTECTED_LESS_CURRENT,
            "notes": "Demo: PSF tops a protected pupil up to the historical level, net of what "
            "the current scheme pays for them.",
        },
    )
    return scheme


def historical_amount(level: SupportLevel) -> Decimal:
    """The demo's protected historical amount for a support level: a resource level as it was,
    else the hours at the historical rates: 20 h LSA × £14.20 × 38 wk = £10,792.00."""
    if level.resource_amount is not None:
        return round_money(level.resource_amount)
    total = (
        level.lsa_hours * HISTORICAL_RATES["lsa"]
        + level.lst_hours * HISTORICAL_RATES["lst"]
        + level.ta_hours * HISTORICAL_RATES["ta"]
    ) * HISTORICAL_WEEKS
    return round_money(total)


def _protected_amounts(officer: User) -> int:
    """R15+: a protected historical amount for every pupil whose plan was issued before the
    cut-over, from the support in force on the day before it (else the plan's first level)."""
    anchor = CUTOVER - dt.timedelta(days=1)
    count = 0
    plans = (
        Plan.objects.filter(issued_on__lt=CUTOVER)
        .exclude(pupil__psf_protected_amount__isnull=False)
        .select_related("pupil")
        .prefetch_related("support_levels")
        .order_by("pupil_id", "issued_on", "pk")
    )
    done: set[int] = set()
    for plan in plans:
        if plan.pupil_id in done:
            continue
        levels = sorted(plan.support_levels.all(), key=lambda lv: lv.effective_from)
        if not levels:
            continue
        level = next(
            (
                lv
                for lv in levels
                if lv.effective_from <= anchor
                and (lv.effective_to is None or anchor <= lv.effective_to)
            ),
            levels[0],
        )
        if level.band:
            continue  # special school bands: PSF is mainstream money (not paid there)
        amount = historical_amount(level)
        if amount <= 0:
            continue
        services.psf_protected_amount_record(
            pupil=plan.pupil,
            annual_amount=amount,
            source="Demo: PSF schedule 2024-25 (support before the cut-over at historical rates)",
            user=officer,
        )
        done.add(plan.pupil_id)
        count += 1
    return count


def _held_meetings(cluster: Cluster, today: dt.date) -> list[ClusterMeeting]:
    return list(
        ClusterMeeting.objects.filter(cluster=cluster, date__lte=today).order_by("date", "number")
    )


def _frameworks(cluster: Cluster, host: User, today: dt.date) -> int:
    count = 0
    current = AcademicYear.of(today).start_year
    for year in (current - 1, current):
        meetings = services.meeting_framework_create(cluster=cluster, academic_year=year, user=host)
        count += len(meetings)
        for meeting in meetings:
            if meeting.date > today:
                continue
            services.meeting_update(
                meeting=meeting,
                date=meeting.date,
                session=meeting.session,
                venue=meeting.venue,
                status=MeetingStatus.HELD,
                agenda=meeting.agenda,
                attendees="Host (chair)\nSENCOs of member schools\nLA Senior Adviser",
                minutes=(
                    "Budget reviewed against the cluster's share. Requests reviewed: decisions "
                    "and reasons recorded against each request reference."
                ),
                user=host,
            )
    return count


def _pupil_at(school, on: dt.date):
    placement = (
        Placement.objects.filter(school=school, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .select_related("pupil")
        .order_by("pk")
        .first()
    )
    return placement.pupil if placement else None


def _requests(cluster: Cluster, host: User, today: dt.date, summary: ClusterDemoSummary):
    """Requests in every status: FY 2025-26 ones reviewed and closed with impact; FY 2026-27
    ones approved, approved with a different amount, declined, withdrawn and waiting."""
    schools = _members(cluster, today)
    if not schools:
        return
    held = _held_meetings(cluster, today)
    last_year = [m for m in held if m.academic_year == AcademicYear.of(today).start_year - 1]
    this_year = [m for m in held if m.academic_year == AcademicYear.of(today).start_year]
    senco = {a.school_id: a.user for a in SchoolAccess.objects.select_related("user")}

    def submit(i: int, starts_on: dt.date, ends_on: dt.date):
        category, who, need, provision, outcomes, amount = REQUESTS[i % len(REQUESTS)]
        school = schools[(i * 7) % len(schools)]
        user = senco.get(school.pk)
        if user is None or not roles.is_school_user(user):
            user = host
        pupil = _pupil_at(school, today) if i % 3 == 1 else None
        req = services.request_submit(
            cluster=cluster,
            school=school,
            category=category,
            for_whom=who,
            need=need,
            provision=provision,
            intended_outcomes=outcomes,
            amount_requested=Decimal(amount),
            starts_on=starts_on,
            ends_on=ends_on,
            pupil=pupil,
            user=user,
        )
        # Demo history: the request was made a fortnight before its period (never in the
        # future), so the meeting that reviewed it is on or after the day it was made.
        asked = timezone.make_aware(
            dt.datetime.combine(min(today, starts_on - dt.timedelta(days=14)), dt.time(10))
        )
        if asked < req.submitted_at:
            ClusterRequest.objects.filter(pk=req.pk).update(submitted_at=asked)
            req.history.all().update(history_date=asked)
            req.refresh_from_db()
        return req

    def count(status: str):
        summary.requests[status] = summary.requests.get(status, 0) + 1

    # FY 2025-26: reviewed at last year's meetings, impact recorded.
    if last_year:
        for i in range(4):
            req = submit(i, dt.date(2025, 9, 8) + dt.timedelta(days=7 * i), dt.date(2026, 3, 27))
            meeting = last_year[min(i, len(last_year) - 1)]
            if i == 3:
                services.request_review(
                    request=req,
                    meeting=meeting,
                    decision=Decision.DECLINED,
                    reasons="Meets the school's own SEN support offer: no cluster money needed.",
                    user=host,
                )
                count("declined")
                continue
            different = i == 1
            req = services.request_review(
                request=req,
                meeting=meeting,
                decision=Decision.APPROVED_DIFFERENT_AMOUNT if different else Decision.APPROVED,
                amount_approved=(req.amount_requested - Decimal("650.00")) if different else None,
                reasons="Clear need and a costed plan."
                + (" Reduced: training is shared with another school." if different else ""),
                user=host,
            )
            services.request_record_impact(
                request=req,
                outcomes="Most intended outcomes achieved; see the school's review notes.",
                impact_rating=ImpactRating.MET if i == 0 else ImpactRating.PARTLY_MET,
                amount_spent=req.amount_approved - (Decimal("120.00") if i else Decimal("0")),
                user=req.submitted_by if req.submitted_by != host else host,
            )
            count("impact_recorded")
    # FY 2026-27.
    start = max(FinancialYear.of(today).starts_on, dt.date(today.year, 9, 7))
    end = dt.date(FinancialYear.of(today).start_year + 1, 3, 26)
    for i in range(6):
        req = submit(i + 2, start + dt.timedelta(days=7 * i), end)
        if i >= 4 or not this_year:
            if i == 5:
                services.request_withdraw(request=req, user=host, reason="Met from school budget")
                count("withdrawn")
            else:
                count("submitted")
            continue
        meeting = this_year[-1]
        if i == 2:
            services.request_review(
                request=req,
                meeting=meeting,
                decision=Decision.DECLINED,
                reasons="Not enough evidence of what the school has tried: resubmit with it.",
                user=host,
            )
            count("declined")
            continue
        different = i == 1
        services.request_review(
            request=req,
            meeting=meeting,
            decision=Decision.APPROVED_DIFFERENT_AMOUNT if different else Decision.APPROVED,
            amount_approved=(req.amount_requested - Decimal("500.00")) if different else None,
            reasons="Agreed by the cluster." + (" Reduced to two terms." if different else ""),
            user=host,
        )
        count("approved")
    # One approved request whose period ends within four weeks: its impact can be recorded today.
    if this_year:
        meeting = this_year[-1]
        starts_on = max(meeting.date - dt.timedelta(days=7), FinancialYear.of(today).starts_on)
        ends_on = today + dt.timedelta(days=14)
        if starts_on <= ends_on and FinancialYear.of(starts_on) == FinancialYear.of(today):
            req = submit(1, starts_on, ends_on)
            services.request_review(
                request=req,
                meeting=meeting,
                decision=Decision.APPROVED,
                reasons="Agreed by the cluster for the rest of the term.",
                user=host,
            )
            count("approved")


def _aux_fund(officer: User, today: dt.date, summary: ClusterDemoSummary) -> None:
    current = FinancialYear.of(today).start_year
    sencos = list(
        SchoolAccess.objects.filter(user__groups__name=roles.SCHOOL_BUSINESS_MANAGER)
        .select_related("user", "school")
        .order_by("pk")
    )
    for year, budget in ((current - 1, "35000.00"), (current, "40000.00")):
        fund = services.aux_fund_save(
            financial_year=year,
            budget=Decimal(budget),
            notes="Agreed by the Schools Forum for building adaptations (seed 001 FAQ 10).",
            user=officer,
        )
        items = [
            ("Wheelchair user joining Year 3", "Ramp to the main entrance and hall.", "6500.00"),
            ("Pupil with a visual impairment", "Contrast edging on stairs and steps.", "2800.00"),
            ("Pupil using a walking frame", "Widen the door to the accessible toilet.", "4100.00"),
        ]
        for i, (child, adaptation, amount) in enumerate(items):
            if year < current and i > 0:
                break
            access = sencos[i % len(sencos)] if sencos else None
            school = access.school if access else None
            if school is None:
                continue
            application = services.aux_application_submit(
                fund=fund,
                school=school,
                child=child,
                adaptation=adaptation,
                amount_requested=Decimal(amount),
                user=access.user,
            )
            summary.applications += 1
            if i == 0:
                services.aux_application_decide(
                    application=application,
                    approve=True,
                    reasons="Essential for access; quote checked by property services.",
                    user=officer,
                )
            elif i == 1:
                services.aux_application_decide(
                    application=application,
                    approve=False,
                    reasons="Covered by the school's planned maintenance this term.",
                    user=officer,
                )


def seed_cluster_demo(*, run: bool = True) -> ClusterDemoSummary:
    """Add cluster pots, meetings, requests in each status and the auxiliary aids fund to the
    demo LA; with `run`, a revised FY 2026-27 allocation run with PSF lines (calculated after
    the rest is committed: a run writes its lines in its own transaction)."""
    summary, scheme = _seed()
    if run and scheme is not None:
        from funding.services import run_allocation

        officer = User.objects.get(username="officer")
        result = run_allocation(
            fy=2026, kind="revised", user=officer, note="Demo: Norfolk model, with PSF"
        )
        summary.run = (result.pk, result.total_amount, result.line_count)
    return summary


@transaction.atomic
def _seed() -> tuple[ClusterDemoSummary, FundingScheme | None]:
    summary = ClusterDemoSummary()
    today = timezone.localdate()
    officer = User.objects.get(username="officer")
    clusters = list(Cluster.objects.order_by("name"))
    if not clusters:
        raise RuntimeError("seed_cluster_demo needs the demo LA: run seed_demo first.")
    host2 = _user("cluster2", "Dana", "Okafor", roles.CLUSTER_HOST)
    for cluster in clusters:
        if cluster.host_contact_id is None:
            cluster.host_contact = host2
            cluster._history_user = officer
            cluster.save()
    scheme = _switch_to_norfolk_model(officer)
    if scheme is not None:
        summary.protected_amounts = _protected_amounts(officer)
    # FY 2025-26 counts pupils on the October 2025 census (the demo has none before it).
    for fy, base, released, census_on in (
        (2025, Decimal("600000.00"), Decimal("0.00"), dt.date(2025, 10, 2)),
        (2026, Decimal("450000.00"), None, None),
    ):
        if not FundingScheme.objects.filter(la__is_administering=True, financial_year=fy).exists():
            continue
        pot = services.cluster_pot_save(
            financial_year=fy,
            base_amount=base,
            psf_released=released,
            fixed_sum_per_school=Decimal("5000.00"),
            census_on=census_on,
            notes="Demo: high needs money delegated to clusters (R18).",
            user=officer,
        )
        summary.pots.append((str(FinancialYear(fy)), pot.total))
    for cluster in Cluster.objects.select_related("host_contact").order_by("name"):
        host = cluster.host_contact
        summary.meetings += _frameworks(cluster, host, today)
        _requests(cluster, host, today, summary)
    _aux_fund(officer, today, summary)
    summary.logins = [
        (c.host_contact.username, "Cluster host", c.name)
        for c in Cluster.objects.select_related("host_contact").order_by("name")
        if c.host_contact
    ]
    return summary, scheme
