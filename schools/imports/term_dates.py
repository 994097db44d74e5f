"""Term dates and closure days per academic year (R7: the school-day calendar).

One row per term (half term) or closure day. A file gives an LA's whole calendar for each
academic year it names: a term or closure day stored for that year but absent from the file is
removed, so a corrected file simply replaces the year. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from schools.dates import AcademicYear
from schools.importing import Cells, ImportRejected, ImportResult, RowError
from schools.imports.common import Upsert, academic_year, la_for, missing, normalised_rows
from schools.models import ClosureDay, LocalAuthority, TermDate

COLUMNS = ["la_code", "academic_year", "kind", "name", "starts_on", "ends_on"]
REQUIRED = ["academic_year", "kind", "name", "starts_on"]
KINDS = {"term": "term", "half_term": "term", "closure": "closure", "closure_day": "closure",
         "inset": "closure", "inset_day": "closure"}  # fmt: skip
ALLOWED = {
    "la_code": "the DfE code of the LA whose calendar this is; empty means the administering LA",
    "academic_year": "2025/26 (or 2025)",
    "kind": "term, or closure (a day inside a term when schools are shut, e.g. an INSET day)",
    "name": "the term's name (Autumn 1) or the closure's reason (INSET day)",
    "starts_on": "YYYY-MM-DD or DD/MM/YYYY",
    "ends_on": "the last day of the term; for a closure, empty for one day or the last day closed",
}
EXAMPLES = [
    ["", "2025/26", "term", "Autumn 1", "2025-09-03", "2025-10-24"],
    ["", "2025/26", "term", "Autumn 2", "2025-11-03", "2025-12-19"],
    ["", "2025/26", "closure", "INSET day", "2025-09-03", ""],
]


def _bounds(year: int) -> tuple[dt.date, dt.date]:
    ay = AcademicYear(year)
    return ay.starts_on, ay.ends_on


@transaction.atomic
def term_dates_import(*, content: bytes, filename: str, user=None) -> ImportResult:
    rows = normalised_rows(content, filename)
    errors: list[RowError] = missing(rows, REQUIRED)
    if errors:
        raise ImportRejected(errors)
    las = {la.code: la for la in LocalAuthority.objects.all()}
    terms = Upsert(TermDate, ("la_id", "starts_on"), ["academic_year", "name", "ends_on"], "terms")
    closures = Upsert(ClosureDay, ("la_id", "date"), ["reason"], "closure days")
    closure_rows: list[tuple[Cells, int, int, dt.date]] = []
    years: set[tuple[int, int]] = set()
    for number, row in enumerate(rows, start=2):
        cells = Cells(row, number, errors)
        la = la_for(cells, las)
        year = academic_year(cells)
        kind = cells.choice("kind", KINDS)
        name = cells.text("name")[:120]
        start = cells.date("starts_on")
        end = cells.date("ends_on", required=kind == "term")
        if None in (la, year, start) or not kind or (kind == "term" and end is None):
            continue
        end = end or start
        first, last = _bounds(year)
        if end < start:
            cells.error("ends_on", f"{end:%d/%m/%Y} is before the start {start:%d/%m/%Y}")
            continue
        if not (first <= start and end <= last):
            cells.error(
                "starts_on",
                f"{start:%d/%m/%Y} to {end:%d/%m/%Y} is not inside the academic year "
                f"{AcademicYear(year)} ({first:%d/%m/%Y} to {last:%d/%m/%Y})",
            )
            continue
        years.add((la.pk, year))
        if kind == "term":
            terms.add(cells, (la.pk, start), {"academic_year": year, "name": name[:40],
                                              "ends_on": end}, "starts_on")  # fmt: skip
        else:
            closure_rows.append((cells, la.pk, year, start))
            day = start
            while day <= end:
                closures.add(cells, (la.pk, day), {"reason": name or "INSET day"}, "starts_on")
                day += dt.timedelta(days=1)
    _check_terms(terms, errors)
    for cells, la_id, _year, start in closure_rows:
        if not any(k[0] == la_id and k[1] <= start <= v["ends_on"] for k, v in terms.items.items()):
            cells.error("starts_on", f"{start:%d/%m/%Y} is not inside any term in this file")
    if errors:
        raise ImportRejected(errors)

    result = ImportResult(rows=len(rows))
    reason = f"Term dates import ({filename})"
    for la_id, year in sorted(years):
        first, last = _bounds(year)
        stale_terms = TermDate.objects.filter(la_id=la_id, academic_year=year).exclude(
            starts_on__in=[k[1] for k in terms.items if k[0] == la_id]
        )
        stale_days = ClosureDay.objects.filter(la_id=la_id, date__range=(first, last)).exclude(
            date__in=[k[1] for k in closures.items if k[0] == la_id]
        )
        for stale, label in ((stale_terms, "terms"), (stale_days, "closure days")):
            for instance in stale:
                instance._change_reason = reason
                instance._history_user = user if getattr(user, "is_authenticated", False) else None
                instance.delete()
                result.count("updated", f"{label} removed")
    terms.write(TermDate.objects.filter(la_id__in={k[0] for k in years}), result,
                user=user, reason=reason)  # fmt: skip
    closures.write(ClosureDay.objects.filter(la_id__in={k[0] for k in years}), result,
                   user=user, reason=reason)  # fmt: skip
    return result


def _check_terms(terms: Upsert, errors: list[RowError]) -> None:
    """Two terms of one LA must not overlap."""
    by_la: dict[int, list[tuple[dt.date, dt.date, int]]] = {}
    for (la_id, start), values in terms.items.items():
        by_la.setdefault(la_id, []).append((start, values["ends_on"], values["_row"]))
    for spans in by_la.values():
        spans.sort()
        for (_s1, e1, r1), (s2, _e2, r2) in zip(spans, spans[1:], strict=False):
            if s2 <= e1:
                errors.append(RowError(r2, "starts_on", f"this term overlaps the term in row {r1}"))
