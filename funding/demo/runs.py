"""The demo's funding: the West Sussex schemes, in-year changes, house moves, SEN spend and runs.

`seed_demo_funding()` runs after `seed_demo()`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from pupils.models import Placement, Plan, Pupil, PupilHomeLa
from schools.models import EstablishmentType, LocalAuthority, School, SchoolAccess


# --- funding: schemes, in-year changes and runs ------------------------------------------------
@dataclass
class FundingSummary:
    runs: list[tuple[int, str, str, Decimal, int]] = field(default_factory=list)
    changes: int = 0
    house_moves: list[str] = field(default_factory=list)
    spends: int = 0


#: R8+: the demo's house moves in FY 2025-26, recorded after its initial run: (moving out of
#: the borough?, the day of the move, the other LA's code).
DEMO_HOUSE_MOVES = [(True, dt.date(2025, 11, 3), "936"), (False, dt.date(2026, 1, 5), None)]


def _house_move_candidate(*, resident: bool) -> Pupil | None:
    """A pupil at one of our special schools (a band top-up is never £0) for the whole FY
    2025-26 under a plan issued before it: one living here (`resident`) or in another LA."""
    fy_start, fy_end = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
    home = PupilHomeLa.objects.filter(starts_on__lte=fy_start, ends_on__isnull=True)
    home = home.filter(la__is_administering=resident)
    placed = (
        Placement.objects.filter(
            school__la__is_administering=True,
            school__establishment_type__in=EstablishmentType.special_types(),
            starts_on__lte=fy_start,
        )
        .exclude(ends_on__lt=fy_end)
        .values("pupil_id")
    )
    planned = Plan.objects.filter(issued_on__lt=fy_start, ceased_on__isnull=True)
    return (
        Pupil.objects.filter(pk__in=home.values("pupil_id"))
        .filter(pk__in=placed)
        .filter(pk__in=planned.values("pupil_id"))
        .select_related("home_la")
        .order_by("pk")
        .first()
    )


def _demo_in_year_changes_fy2025(officer: User) -> int:
    """Backdated changes inside FY 2025-26 (recorded after its initial run), through the real
    services, so the initial-vs-final comparison has events to explain (R21)."""
    from pupils import services
    from pupils.models import Plan as PlanModel

    rng = random.Random(2025)
    changed = 0
    plans = list(
        PlanModel.objects.filter(issued_on__lt=dt.date(2025, 4, 1), ceased_on__isnull=True)
        .filter(pupil__placements__school__la__is_administering=True)
        .select_related("pupil")
        .order_by("pk")
        .distinct()
    )
    for plan in rng.sample(plans, min(24, len(plans))):
        level = plan.support_levels.order_by("effective_from").first()
        if level is None or level.band:
            continue
        on = dt.date(2026, 1, rng.randint(5, 30))
        if level.effective_to is not None and level.effective_to < on:
            continue
        if level.effective_from >= on:
            continue
        try:
            services.support_change(
                plan=plan, effective_from=on, user=officer,
                support=services.SupportHours(
                    lsa_hours=level.lsa_hours + Decimal("5"), lst_hours=level.lst_hours,
                    ta_hours=level.ta_hours, band=None, resource_amount=level.resource_amount,
                ),
                reason="Annual review: more LSA time (demo)",
            )  # fmt: skip
            changed += 1
        except Exception:  # noqa: BLE001, S112 - demo data: skip a pupil whose dates do not fit
            continue
    return changed


def seed_demo_funding(*, user: User | None = None) -> FundingSummary:
    """Load the West Sussex preset for FY 2025 and 2026 and compute the demo's runs."""
    from funding.services import run_allocation, scheme_load_preset

    summary = FundingSummary()
    officer = user or User.objects.get(username="officer")
    for fy in (2025, 2026):
        scheme = scheme_load_preset(preset="west-sussex", financial_year=fy, user=officer)
        _date_scheme_history(scheme, dt.date(fy, 2, 3))
    run = run_allocation(fy=2025, kind="initial", user=officer, note="Demo: start of year")
    summary.runs.append((run.pk, "2025-26", run.kind, run.total_amount, run.line_count))
    summary.changes = _demo_in_year_changes_fy2025(officer)
    summary.house_moves = _demo_house_moves_fy2025(officer)
    initial = run
    for fy, kind, note in (
        (2025, "final", "Demo: year end, after in-year changes"),
        (2026, "initial", "Demo: start of year"),
    ):
        run = run_allocation(fy=fy, kind=kind, user=officer, note=note)
        summary.runs.append((run.pk, f"{fy}-{str(fy + 1)[-2:]}", run.kind, run.total_amount,
                             run.line_count))  # fmt: skip
        if kind == "final":
            summary.spends = _demo_sen_spend_fy2025(initial, run, officer)
    return summary


def _date_scheme_history(scheme, day: dt.date) -> None:
    """Date the history the preset load has just written to when the demo LA set the year's
    scheme (before the year, after its schools forum), so a run "as at" any moment of the year
    finds it (`run_allocation --fy 2025 --as-at 2025-12-01T00:00`). Demo data only: the history
    of a real scheme is what its services wrote."""
    from funding.models import FundingScheme, HourlyRate, NotionalSenFactor, TaHoursBand

    when = min(timezone.make_aware(dt.datetime.combine(day, dt.time(9))), timezone.now())
    FundingScheme.history.filter(id=scheme.pk).update(history_date=when)
    for model in (NotionalSenFactor, HourlyRate, TaHoursBand):
        model.history.filter(scheme_id=scheme.pk).update(history_date=when)


def _demo_house_moves_fy2025(officer: User) -> list[str]:
    """R8+: house moves inside FY 2025-26 through the real service (recorded after its initial
    run), so the final run splits each mover's top-up between the two LAs that paid it."""
    from pupils.services import pupil_home_la_change

    ours = LocalAuthority.objects.get(is_administering=True)
    notes = []
    for moving_out, on, code in DEMO_HOUSE_MOVES:
        pupil = _house_move_candidate(resident=moving_out)
        if pupil is None:  # a small demo may have nobody who fits
            continue
        before = pupil.home_la
        after = LocalAuthority.objects.get(code=code) if moving_out else ours
        pupil_home_la_change(
            pupil=pupil, la=after, from_date=on, user=officer,
            reason=f"House move to {after.name} (demo)",
        )  # fmt: skip
        notes.append(
            f"{pupil.given_name} {pupil.family_name} (UPN {pupil.upn}) moved from {before.name} "
            f"to {after.name} on {on:%-d %B %Y}: {before.name} pays the top-up to "
            f"{on - dt.timedelta(days=1):%-d %B}, {after.name} from {on:%-d %B}"
        )
    return notes


#: R21: the demo schools' SEN spend for FY 2025-26 as a share of their final SEN allocation.
DEMO_SPEND_SHARES = [
    Decimal("0.94"), Decimal("1.03"), Decimal("1.11"), Decimal("0.97"), Decimal("1.06"),
    Decimal("0.89"),
]  # fmt: skip


def _demo_sen_spend_fy2025(initial, final, officer: User) -> int:
    """R21: a handful of schools record what they spent on SEN in FY 2025-26 (the LA for them,
    the demo primary's business manager for their own), so the final report sets allocation
    against spend. Spend = final SEN allocation x a share, split 80% staffing, 12% resources."""
    from funding.calculations.money import round_money
    from funding.spend.selectors import allocation_against_spend
    from funding.spend.services import sen_spend_record

    rows = [r for r in allocation_against_spend(initial, final).rows if r.final > 0]
    if not rows:
        return 0
    manager_access = SchoolAccess.objects.filter(user__username="school").first()
    own = [r for r in rows if manager_access and r.school_id == manager_access.school_id]
    step = max(len(rows) // len(DEMO_SPEND_SHARES), 1)
    chosen = (own + [r for r in rows[::step] if r not in own])[: len(DEMO_SPEND_SHARES)]
    for row, share in zip(chosen, DEMO_SPEND_SHARES, strict=False):
        amount = round_money(row.final * share)
        staffing = round_money(amount * Decimal("0.80"))
        resources = round_money(amount * Decimal("0.12"))
        by_school = manager_access is not None and manager_access.school_id == row.school_id
        sen_spend_record(
            school=School.objects.get(pk=row.school_id), financial_year=final.financial_year,
            amount=amount, staffing=staffing, resources=resources,
            other=amount - staffing - resources,
            note="Year-end return (demo)" if by_school else "From the school's year-end "
            "return, recorded by the LA (demo)",
            user=manager_access.user if by_school else officer,
        )  # fmt: skip
    return len(chosen)
