"""`manage.py bench allocations`: a full run on a synthetic LA against a set-based SQL floor.

Prints the seconds of a full run (reads, pure calculation, bulk writes in one transaction),
lines written per second, peak memory, and the time of one `INSERT ... SELECT` that computes
the same top-up lines (periods by placement x plan x support level, pro rata by school days,
hours at rates less the threshold, band rates, resource amounts) entirely in SQL, with the
ratio of the two. Runs on `<DATABASE>_bench`, never on the working database.
"""

from __future__ import annotations

import gc
import os
import resource
import time
import tracemalloc
from decimal import Decimal

from django.db import connection, transaction

from funding.bench.synthetic import build_census_la, build_synthetic_la, use_bench_database
from funding.calculations.money import gbp

FLOOR_SQL = """
INSERT INTO funding_allocationline (
    run_id, school_id, pupil_id, element, rule, period_from, period_to, school_days, year_days,
    annual_amount, amount, payer_la_id, delegated, route, working, explanation
)
SELECT
    %(run)s, seg.school_id, seg.pupil_id, 'top_up', seg.rule, seg.f, seg.t, seg.days,
    %(year_days)s, seg.annual, round(seg.annual * seg.days / %(year_days)s, 2), seg.home_la_id,
    true, CASE WHEN seg.home_la_id = %(la)s THEN 'la' ELSE 'other_la' END,
    jsonb_build_object('rule', seg.rule, 'annual', seg.annual, 'school_days', seg.days,
                       'year_days', %(year_days)s),
    format('%%s: £%%s a year; %%s to %%s: %%s/%%s school days = £%%s', seg.rule, seg.annual,
           seg.f, seg.t, seg.days, %(year_days)s,
           round(seg.annual * seg.days / %(year_days)s, 2))
FROM (
    SELECT x.*, ct.cum - cf.cum + cf.school AS days
    FROM (
        SELECT
            p.school_id, p.pupil_id, pu.home_la_id,
            greatest(p.starts_on, pl.issued_on, s.effective_from, %(fy_start)s::date) AS f,
            least(coalesce(p.ends_on, %(fy_end)s::date), coalesce(pl.ceased_on, %(fy_end)s::date),
                  coalesce(s.effective_to, %(fy_end)s::date), %(fy_end)s::date) AS t,
            CASE WHEN s.band IS NOT NULL THEN 'R12'
                 WHEN s.resource_amount IS NOT NULL THEN 'R6' ELSE 'R5' END AS rule,
            CASE
              WHEN s.band IS NOT NULL THEN b.annual_rate
              WHEN s.resource_amount IS NOT NULL THEN s.resource_amount
              ELSE greatest(0, round(
                  CASE WHEN sc.phase IN ('primary', 'middle_primary', 'nursery')
                       THEN s.lsa_hours * %(p_lsa)s + s.lst_hours * %(p_lst)s
                            + s.ta_hours * %(p_ta)s
                       ELSE s.lsa_hours * %(s_lsa)s + s.lst_hours * %(s_lst)s
                            + s.ta_hours * %(s_ta)s END
                  - %(threshold)s, 2))
            END AS annual
        FROM pupils_placement p
        JOIN pupils_pupil pu ON pu.id = p.pupil_id
        JOIN schools_school sc ON sc.id = p.school_id
        JOIN pupils_plan pl ON pl.pupil_id = p.pupil_id
        JOIN pupils_supportlevel s ON s.plan_id = pl.id
        LEFT JOIN schools_specialschoolband b
               ON b.school_id = p.school_id AND b.band = s.band AND b.financial_year = %(fy)s
        WHERE (sc.la_id = %(la)s OR pu.home_la_id = %(la)s)
          AND p.starts_on <= %(fy_end)s AND (p.ends_on IS NULL OR p.ends_on >= %(fy_start)s)
          AND pl.issued_on <= %(fy_end)s AND (pl.ceased_on IS NULL OR pl.ceased_on >= %(fy_start)s)
          AND s.effective_from <= %(fy_end)s
          AND (s.effective_to IS NULL OR s.effective_to >= %(fy_start)s)
    ) x
    JOIN bench_calendar cf ON cf.day = x.f
    JOIN bench_calendar ct ON ct.day = x.t
    WHERE x.f <= x.t
) seg
WHERE seg.days > 0 AND seg.annual IS NOT NULL
"""


# The floor writes the same rows as the run: its other lines (school-level elements, funding
# items) are copied from the run's own, set-based, since computing them in SQL would only add
# to the floor. Same columns, same constraints, same transaction.
FLOOR_OTHER_LINES_SQL = """
INSERT INTO funding_allocationline (
    run_id, school_id, pupil_id, element, rule, period_from, period_to, school_days, year_days,
    annual_amount, amount, payer_la_id, delegated, route, working, explanation
)
SELECT %(run)s, school_id, pupil_id, element, rule, period_from, period_to, school_days,
       year_days, annual_amount, amount, payer_la_id, delegated, route, working, explanation
FROM funding_allocationline
WHERE run_id = %(source)s AND element <> 'top_up'
"""


def _floor(run_id: int, source_run_id: int | None = None) -> tuple[float, int, Decimal]:
    """The set-based floor: the run's top-up lines in one INSERT ... SELECT, and the run
    `source_run_id`'s other lines copied (timed). Answers seconds, lines, top-up total."""
    from funding.models import AllocationLine, AllocationRun
    from funding.selectors import scheme_rates
    from schools.selectors import school_calendar

    run = AllocationRun.objects.select_related("scheme__la").get(pk=run_id)
    rates = scheme_rates(run.scheme)
    fy = run.fy
    calendar = school_calendar(run.scheme.la, fy.starts_on, fy.ends_on)

    def cost(role, phase):
        r = rates.hourly_rate(role, phase)
        return r.hourly_rate * r.weeks_per_year

    params = {
        "run": run_id,
        "fy": fy.start_year,
        "fy_start": fy.starts_on,
        "fy_end": fy.ends_on,
        "la": run.scheme.la_id,
        "year_days": calendar.school_days(fy.starts_on, fy.ends_on),
        "threshold": rates.threshold,
        **{f"p_{r}": cost(r, "primary") for r in ("lsa", "lst", "ta")},
        **{f"s_{r}": cost(r, "secondary") for r in ("lsa", "lst", "ta")},
    }
    start = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Every date of the year with the school days up to it: a period's school days
            # are two equality lookups (cum at its end - cum at its start + its start's day).
            cursor.execute(
                "CREATE TEMP TABLE bench_calendar (day date PRIMARY KEY, school int, cum int) "
                "ON COMMIT DROP"
            )
            cursor.execute(
                """
                INSERT INTO bench_calendar
                SELECT d::date, (d::date = ANY(%(days)s::date[]))::int,
                       sum((d::date = ANY(%(days)s::date[]))::int) OVER (ORDER BY d)
                FROM generate_series(%(start)s::date, %(end)s::date, '1 day') AS d
                """,
                {"days": list(calendar.days), "start": fy.starts_on, "end": fy.ends_on},
            )
            cursor.execute("ANALYZE bench_calendar")
            cursor.execute(FLOOR_SQL, params)
            count = cursor.rowcount
            if source_run_id is not None:
                cursor.execute(FLOOR_OTHER_LINES_SQL, {"run": run_id, "source": source_run_id})
                count += cursor.rowcount
    # Timed to the commit: the foreign keys of the lines are checked then, as for a run.
    seconds = time.perf_counter() - start
    total = sum(
        AllocationLine.objects.filter(run_id=run_id, element="top_up").values_list(
            "amount", flat=True
        ),
        Decimal("0"),
    )
    return seconds, count, total


def machine() -> str:
    """The cores this process may use and the load average, for reading the figures."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cores} cores (of {os.cpu_count()}), load average {load} (1, 5, 15 min)"


def run(
    schools: int | None = None,
    pupils: int | None = None,
    seed: int = 1,
    repeat: int = 3,
    from_census: bool = False,
    out=print,
):
    from funding import services
    from funding.models import AllocationLine, AllocationRun, RunKind, RunStatus

    name = use_bench_database()
    out(f"Benchmark database: {name}")
    out(f"Machine at start: {machine()}")
    if from_census:
        summary = build_census_la(schools=schools, seed=seed)
        out(
            f"National LA built from the {summary.source} in {summary.seconds:.1f} s: "
            f"{summary.schools:,} schools, {summary.local_authorities - 1} home LAs, "
            f"{summary.pupils:,} pupils with a plan ({summary.suppressed_plan_counts} schools' "
            f"suppressed plan counts taken as none), {summary.placements:,} placements, "
            f"{summary.support_levels:,} support levels, "
            f"{summary.pupils_with_in_year_changes:,} pupils with in-year changes, "
            f"{summary.funding_items} funding items"
        )
    else:
        summary = build_synthetic_la(schools or 600, pupils or 25000, seed)
        out(
            f"Synthetic LA built in {summary.seconds:.1f} s: {summary.schools:,} schools "
            f"(+{summary.neighbour_schools} in neighbouring LAs), {summary.pupils:,} pupils, "
            f"{summary.placements:,} placements, {summary.support_levels:,} support levels, "
            f"{summary.pupils_with_in_year_changes:,} pupils with in-year changes "
            f"({100 * summary.pupils_with_in_year_changes / max(summary.pupils, 1):.0f}%), "
            f"{summary.funding_items} funding items"
        )
    fy = summary.financial_year

    # A first run in a process also pays for imports, first query plans and caches, as a
    # long-running worker does once: it is timed and shown, not counted.
    start = time.perf_counter()
    services.run_allocation(fy=fy, kind=RunKind.REVISED, note="bench warm-up")
    out(f"Warm-up run (first in this process, not counted): {time.perf_counter() - start:.2f} s")
    times = []
    run_obj = None
    for i in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run_obj = services.run_allocation(fy=fy, kind=RunKind.REVISED, note=f"bench {i + 1}")
        times.append(time.perf_counter() - start)
        if run_obj.status != RunStatus.DONE:
            out(f"Run failed: {run_obj.error}")
            return
    best = min(times)
    lines = run_obj.line_count
    top_up = AllocationLine.objects.filter(run=run_obj, element="top_up")
    top_up_count = top_up.count()
    top_up_total = sum(top_up.values_list("amount", flat=True), Decimal("0"))
    out(
        f"Full run: {lines:,} lines ({top_up_count:,} top-up) in "
        f"{', '.join(f'{t:.2f}' for t in times)} s; best {best:.2f} s = {lines / best:,.0f} lines/s"
    )

    # Peak memory: a further run under tracemalloc (slower; not timed), and the process RSS.
    tracemalloc.start()
    services.run_allocation(fy=fy, kind=RunKind.REVISED, note="bench (memory)")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out(f"Peak Python memory during a run: {peak / 2**20:.0f} MiB (process max RSS {rss:.0f} MiB)")

    floor_times = []
    floor_count = 0
    floor_total = Decimal("0")
    for _ in range(repeat):
        floor_run = AllocationRun.objects.create(
            financial_year=fy,
            kind=RunKind.INITIAL,
            scheme=run_obj.scheme,
            status=RunStatus.DONE,
            note="bench floor",
        )
        seconds, floor_count, floor_total = _floor(floor_run.pk, run_obj.pk)
        floor_times.append(seconds)
    floor = min(floor_times)
    out(
        f"Set-based floor (one INSERT ... SELECT of the top-up lines, the run's other lines "
        f"copied: the same rows): {floor_count:,} lines in "
        f"{', '.join(f'{t:.2f}' for t in floor_times)} s; best {floor:.2f} s"
    )
    floor_top_up = floor_count - (lines - top_up_count)
    out(
        f"Top-up check: engine {top_up_count:,} lines £{top_up_total:,.2f}; floor "
        f"{floor_top_up:,} lines £{floor_total:,.2f} (difference {gbp(top_up_total - floor_total)}"
        ": the engine's periods add up to the year, the floor rounds each period alone)"
    )
    target = f"; target run <= 5 s: {'met' if best <= 5 else 'not met'}"
    out(
        f"Ratio full run / floor: {best / floor:.2f}x (target within 2x: "
        f"{'met' if best <= 2 * floor else 'not met'})"
        + (target if summary.pupils <= 25000 else "")
    )
    out(
        f"Summary: {summary.schools:,} schools, {summary.pupils:,} pupils, {lines:,} lines; "
        f"best {best:.2f} s, {lines / best:,.0f} lines/s, peak Python memory "
        f"{peak / 2**20:.0f} MiB, max RSS {rss:.0f} MiB; floor {floor:.2f} s, ratio "
        f"{best / floor:.2f}x; {machine()} at the end"
    )
    return {
        "schools": summary.schools,
        "pupils": summary.pupils,
        "lines": lines,
        "seconds": best,
        "lines_per_second": lines / best,
        "peak_mib": peak / 2**20,
        "max_rss_mib": rss,
        "floor_seconds": floor,
        "ratio": best / floor,
    }
