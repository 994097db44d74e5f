"""What a period pays a school (R24). Pure: no ORM.

For each pupil, element, route and payer of a school:

    due = entitlement to the period's end (the engine's lines as the data stood at the
          period's moment, through `funding.calculations.entitlement`) − paid to date

split into at most two lines that each say why:

- the month itself: entitlement to the period's end − entitlement to the day before it
  ("regular", or "new" for the first payment of a pupil who was not paid before);
- a correction of earlier periods: entitlement to the day before the period, as the data now
  stands, − what the approved earlier periods paid ("back-pay" when a backdated change raised
  it, "recovery" when a pupil left or support was reduced after it was paid).

Each line is entitlement_to_date − paid_before, so the lines of a key over a year add up to the
key's entitlement at the year end: the year's payments add up exactly to the year's lines (R7+).

    Element 3 top-up: £6,090.00 to date £1,133.69 − £745.49 = £388.20 (school days 35/188)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from funding.calculations.entitlement import Calendar, DaysCounter, split_line
from funding.calculations.inputs import ROUTE_LA, ROUTE_OTHER_LA, LineData
from funding.calculations.money import ZERO, gbp

RULE = "R24"
ONE_DAY = dt.timedelta(days=1)

REGULAR = "regular"
NEW = "new"
BACK_PAY = "back_pay"
RECOVERY = "recovery"
HELD = "held"
RELEASED = "Released from hold: the monthly return query is resolved."

#: Routes paid to schools through payments: our own pupils (la) and other LAs' pupils in our
#: schools (other_la: paid by us, billed to their LA). Retained (R6) and ESFA money is not paid.
PAID_ROUTES = frozenset({ROUTE_LA, ROUTE_OTHER_LA})


@dataclass(frozen=True, slots=True, order=True)
class Key:
    """What a payment is kept apart by: pupil, element, route and payer (R8+)."""

    pupil_id: int | None
    element: str
    route: str
    payer_la_id: int | None


@dataclass(slots=True)
class Due:
    school_id: int
    key: Key
    reason_kind: str
    entitlement_to_date: Decimal
    paid_before: Decimal
    school_days: int
    reason: str
    working: dict = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        return self.entitlement_to_date - self.paid_before


def payable(line: LineData) -> bool:
    """Pupil-led money the LA pays the school: delegated, on the LA or other-LA route."""
    return line.pupil_id is not None and line.delegated and line.route in PAID_ROUTES


def key_of(line: LineData) -> Key:
    return Key(line.pupil_id, line.element, line.route, line.payer_la_id)


def _d(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _segment(line) -> dict:
    return {
        "from": line.period_from.isoformat(),
        "to": line.period_to.isoformat(),
        "annual_amount": str(line.annual_amount),
        "amount": str(line.amount),
        "school_days": line.school_days,
    }


def _segment_text(seg: dict) -> str:
    start, end = dt.date.fromisoformat(seg["from"]), dt.date.fromisoformat(seg["to"])
    return f"{_d(start)} to {_d(end)} at {gbp(Decimal(seg['annual_amount']))} a year"


def _changes(now: list[dict], before: list[dict], up_to: dt.date) -> list[str]:
    """What differs, up to `up_to`, between the periods paid before and the periods now."""
    old = {(s["from"], s["to"], s["annual_amount"]) for s in before}
    new = {(s["from"], s["to"], s["annual_amount"]) for s in now}
    up = up_to.isoformat()
    added = [s for s in now if (s["from"], s["to"], s["annual_amount"]) not in old]
    gone = [s for s in before if (s["from"], s["to"], s["annual_amount"]) not in new]
    out = [f"now {_segment_text(s)}" for s in added if s["from"] <= up]
    out += [f"was {_segment_text(s)}" for s in gone if s["from"] <= up]
    return out


def due_for_school(
    *,
    school_id: int,
    lines: Iterable[LineData],
    starts_on: dt.date,
    ends_on: dt.date,
    paid: Mapping[Key, Decimal],
    days: Calendar | DaysCounter,
    period_label: str,
    earlier_periods: bool,
    paid_segments: Mapping[Key, list[dict]] | None = None,
    labels: Mapping[str, str] | None = None,
    held: Mapping[int, str] | None = None,
    released: Collection[Key] = (),
) -> list[Due]:
    """The lines a period pays one school (R24), in key order; lines of £0 are left out.

    `lines` are the engine's lines (any school: only this school's payable ones count);
    `paid` what approved earlier periods of the year paid per key; `paid_segments` the engine
    periods those payments were worked from (to say what a backdated change was);
    `earlier_periods` whether the year had periods before this one (a first payment then is
    "new"). `held`: pupils not paid this period (the scheme holds queried monthly return lines),
    each with why; their lines are one "held" line per key paying nothing, and what they were
    due is paid by the first period after the hold as back-pay (R24); `released`: the keys held
    in the period before, whose correction now says so.
    """
    labels = labels or {}
    held = held or {}
    paid_segments = paid_segments or {}
    by_key: dict[Key, list[LineData]] = defaultdict(list)
    for line in lines:
        if line.school_id == school_id and payable(line):
            by_key[key_of(line)].append(line)
    paid_pupils = {k.pupil_id for k, v in paid.items() if v}
    out: list[Due] = []
    for due in _due_lines(
        school_id, by_key, starts_on, ends_on, paid, days, period_label, earlier_periods,
        paid_segments, labels, paid_pupils,
    ):  # fmt: skip
        if due.key in released and due.reason_kind in (BACK_PAY, RECOVERY):
            due.reason = f"{RELEASED} {due.reason}"
        if due.key.pupil_id in held:
            due = _held(due, held[due.key.pupil_id], paid_segments.get(due.key, []))
            if out and out[-1].key == due.key and out[-1].reason_kind == HELD:
                out[-1].working["held_amount"] = str(
                    Decimal(out[-1].working["held_amount"]) + Decimal(due.working["held_amount"])
                )
                out[-1].reason = _held_reason(out[-1].working)
                continue
        out.append(due)
    return out


def _held_reason(working: dict) -> str:
    return (
        f"Held: queried on the monthly return for {working['held_why']}. "
        f"{gbp(Decimal(working['held_amount']))} is paid once the query is resolved."
    )


def _held(due: Due, why: str, paid_segments: list[dict]) -> Due:
    """A held line: pays nothing (entitlement to date is what was paid), says what waits."""
    working = {
        **due.working,
        "lines": paid_segments,
        "held_amount": str(due.amount),
        "held_why": why,
    }
    return Due(
        due.school_id,
        due.key,
        HELD,
        due.paid_before,
        due.paid_before,
        0,
        _held_reason(working),
        working,
    )


def _due_lines(
    school_id, by_key, starts_on, ends_on, paid, days, period_label, earlier_periods,
    paid_segments, labels, paid_pupils,
):  # fmt: skip
    before_day = starts_on - ONE_DAY
    out: list[Due] = []
    for key in sorted(set(by_key) | {k for k, v in paid.items() if v}):
        these = sorted(by_key.get(key, []), key=lambda ln: (ln.period_from, ln.period_to))
        label = labels.get(key.element, key.element)
        to_end = to_before = ZERO
        days_in = 0
        parts: list[str] = []
        for line in these:
            (share,) = split_line(line, [(starts_on, ends_on)], days)
            if share is None:  # wholly before the period (earned) or after it (nothing yet)
                if line.period_to < starts_on:
                    to_end += line.amount
                    to_before += line.amount
                continue
            to_end += share.to_date
            to_before += share.before
            days_in += share.school_days
            parts.append(share.working(label))
        segments = [_segment(line) for line in these]
        paid_before = paid.get(key, ZERO)
        base = {
            "rule": RULE,
            "element": key.element,
            "payer_la_id": key.payer_la_id,
            "period": [starts_on.isoformat(), ends_on.isoformat()],
            "lines": segments,
        }
        month = to_end - to_before
        if month:
            is_new = earlier_periods and key.pupil_id not in paid_pupils
            kind = NEW if is_new else REGULAR
            first = _d(these[0].period_from) if these else ""
            lead = (
                f"New: first payment, funded from {first}."
                if is_new
                else f"Regular payment for {period_label}."
            )
            out.append(
                Due(
                    school_id,
                    key,
                    kind,
                    to_end,
                    to_before,
                    days_in,
                    " ".join([lead, *parts]),
                    {**base, "parts": parts},
                )
            )
        correction = to_before - paid_before
        if correction:
            kind = BACK_PAY if correction > 0 else RECOVERY
            what = _changes(segments, paid_segments.get(key, []), before_day)
            if not these:
                what = ["no longer funded at this school (the pupil left or the funding ended)"]
            why = (
                "Back-pay for a change recorded after earlier periods were paid"
                if kind == BACK_PAY
                else "Recovery: earlier periods paid more than is now due"
            )
            detail = f" ({'; '.join(what)})" if what else ""
            out.append(
                Due(
                    school_id,
                    key,
                    kind,
                    to_before,
                    paid_before,
                    0,
                    f"{why}{detail}: {label} to {_d(before_day)} {gbp(to_before)} as now "
                    f"recorded − {gbp(paid_before)} paid = {gbp(correction)}.",
                    {**base, "changes": what},
                )
            )
    return out
