"""Demo figures for the reports: a borough's high needs block and its monthly snapshots.

`seed_reports_demo()` is called by the demo loader after the allocation runs. It sets the year's
budget lines (a high needs block of about £50m split as a borough's typically is: Torbay's is
about £80.9m, seed 003), with the commitments outside the runs (independent placements,
central services, cluster distributions) that a run does not calculate, then keeps a snapshot
for each month of the year up to the demo's "today". The current month's snapshot is the real
position; the earlier months are back-filled for the demo (marked so in their note), with
independent placements and mainstream top-ups creeping up month by month the way a real
year's pressure builds, so the trend chart and "over budget since" have something to show.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from funding.models import AllocationRun, RunStatus
from funding.reports import services
from funding.reports.calculations import round_money
from funding.reports.models import BudgetSnapshot, BudgetSnapshotLine
from schools.dates import FinancialYear

D = Decimal
#: The demo LA's "today" (funding.demo.DemoBuilder's default).
DEMO_TODAY = dt.date(2026, 11, 24)

#: The demo borough's high needs block.
DEMO_BLOCK = D("50000000.00")

#: (line, share of the block, share of the line committed outside the runs, note)
DEMO_SPLIT = [
    ("special_places", D("0.12"), D("0"), "Planned places in the borough's special schools"),
    ("special_top_ups", D("0.19"), D("0"), "Band top-ups in special schools"),
    ("mainstream_top_ups", D("0.16"), D("0"), "EHCP top-ups and Additional SEN Support"),
    ("ssc_resourced", D("0.05"), D("0"), "Special support centres and resourced provision"),
    ("alternative_provision", D("0.07"), D("0.55"), "APC places; the PRU service contract"),
    ("post_16", D("0.08"), D("0.80"), "FE colleges and specialist post-16 providers"),
    ("independent", D("0.18"), D("1.04"), "Independent and non-maintained special schools"),
    ("supplements_enf", D("0.02"), D("0"), "Decided by the SEN Panel"),
    ("clusters", D("0.03"), D("1.00"), "Cluster distributions (R18) and PSF"),
    ("central", D("0.10"), D("0.97"), "Educational psychology, advisory teachers, LSS"),
]


def demo_budget_rows(total: Decimal = DEMO_BLOCK) -> list[dict]:
    """Budget rows splitting `total` across the lines (the last line takes the remainder)."""
    rows = []
    left = round_money(total)
    for i, (line, share, committed, note) in enumerate(DEMO_SPLIT):
        budget = left if i == len(DEMO_SPLIT) - 1 else round_money(total * share)
        left -= budget
        rows.append(
            {
                "line": line,
                "budget": str(budget),
                "other_commitment": str(round_money(budget * committed)),
                "note": note,
            }
        )
    return rows


#: How much lower each earlier month's commitment was, per month back, for the back-fill.
CREEP = {"independent": D("0.012"), "mainstream_top_ups": D("0.006"), "special_top_ups": D("0.004")}


@transaction.atomic
def seed_reports_demo(
    *, fy: int | None = None, today: dt.date | None = None, total: Decimal = DEMO_BLOCK
) -> list[BudgetSnapshot]:
    """Budget lines for the year of the latest run (else of `today`) and a snapshot for each
    month from April to `today`'s month (default: the demo's today, 24 November 2026)."""
    today = today or DEMO_TODAY
    if fy is None:
        latest = (
            AllocationRun.objects.filter(status=RunStatus.DONE)
            .order_by("-financial_year", "-finished_at")
            .values_list("financial_year", flat=True)
            .first()
        )
        fy = latest if latest is not None else FinancialYear.of(today).start_year
    year = FinancialYear(fy)
    on = min(max(today, year.starts_on), year.ends_on)
    services.budget_load(financial_year=fy, rows=demo_budget_rows(total))
    current = services.budget_snapshot_take(financial_year=fy, on=on, note="Demo: current")
    lines = list(current.lines.all())
    snapshots = [current]
    month = year.starts_on
    back = (current.month.year - month.year) * 12 + current.month.month - month.month
    while month < current.month:
        months_back = back
        snapshot = BudgetSnapshot.objects.create(
            financial_year=fy,
            month=month,
            taken_on=month + dt.timedelta(days=27),
            run=current.run,
            budget=current.budget,
            commitment=D("0"),
            note="Demo: back-filled from the current position",
        )
        total_commitment = D("0")
        copies = []
        for line in lines:
            factor = 1 - CREEP.get(line.line, D("0")) * months_back
            commitment = round_money(line.commitment * factor)
            forecast = line.forecast + (commitment - line.commitment)
            total_commitment += commitment
            copies.append(
                BudgetSnapshotLine(
                    snapshot=snapshot,
                    line=line.line,
                    budget=line.budget,
                    allocated=line.allocated,
                    forecast=forecast,
                    panel_pending=line.panel_pending,
                    other=line.other,
                    commitment=commitment,
                )
            )
        BudgetSnapshotLine.objects.bulk_create(copies)
        snapshot.commitment = total_commitment
        snapshot.save(update_fields=["commitment"])
        snapshots.append(snapshot)
        back -= 1
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return sorted(snapshots, key=lambda s: s.month)
