"""Reads for the scheme pages: what changed in a scheme and its rate tables, when, by whom, why."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from funding.calculations.money import gbp
from funding.calculations.scheme import ROLE_LABELS
from funding.models import (
    FundingScheme,
    HourlyRate,
    NotionalSenFactor,
    SchemeRateChange,
    TaHoursBand,
)

#: At most this many changes on the history page (newest first).
HISTORY_LIMIT = 300
IGNORED = {"updated_at"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class SchemeChange:
    when: dt.datetime
    who: str
    reason: str
    what: str
    kind: str  # "Created", "Changed" or "Deleted"
    fields: list[FieldChange] = field(default_factory=list)


def _show(value) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def _person(user) -> str:
    if user is None:
        return "(not recorded)"
    return user.get_full_name() or user.username


KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def _changes(model, records, what) -> list[SchemeChange]:
    labels = {f.name: str(f.verbose_name) for f in model._meta.concrete_fields}
    found = []
    for record in records:
        change = SchemeChange(
            when=record.history_date,
            who=_person(record.history_user),
            reason=record.history_change_reason or "",
            what=what(record),
            kind=KINDS.get(record.history_type, record.history_type),
        )
        previous = record.prev_record
        if record.history_type == "~" and previous is not None:
            delta = record.diff_against(previous, excluded_fields=IGNORED)
            change.fields = [
                FieldChange(labels.get(c.field, c.field).capitalize(), _show(c.old), _show(c.new))
                for c in delta.changes
            ]
            if not change.fields:
                continue
        found.append(change)
    return found


def scheme_changes(scheme: FundingScheme) -> list[SchemeChange]:
    """The scheme's history and its rate tables', newest first."""
    changes = _changes(
        FundingScheme,
        FundingScheme.history.filter(id=scheme.pk).select_related("history_user"),
        lambda r: "Scheme",
    )
    changes += _changes(
        HourlyRate,
        HourlyRate.history.filter(scheme_id=scheme.pk).select_related("history_user"),
        lambda r: f"Hourly rate: {r.get_phase_display()} {r.get_role_display()}",
    )
    changes += _changes(
        TaHoursBand,
        TaHoursBand.history.filter(scheme_id=scheme.pk).select_related("history_user"),
        lambda r: f"TA hours band from {r.min_hours} hours",
    )
    changes += _changes(
        NotionalSenFactor,
        NotionalSenFactor.history.filter(scheme_id=scheme.pk).select_related("history_user"),
        lambda r: f"Notional SEN factor: {r.get_factor_display()}",
    )
    changes += [
        SchemeChange(
            when=record.history_date,
            who=_person(record.history_user),
            reason=record.history_change_reason or record.reason,
            what=f"Rates from {record.effective_from.day} {record.effective_from:%b %Y}",
            kind=KINDS.get(record.history_type, record.history_type),
            fields=[FieldChange(*row) for row in rate_change_rows(record)],
        )
        for record in SchemeRateChange.history.filter(scheme_id=scheme.pk).select_related(
            "history_user"
        )
    ]
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes[:HISTORY_LIMIT]


@dataclass
class DatedRateChange:
    """R26: rates that change from a date inside the scheme's year (an adopted uplift)."""

    effective_from: dt.date
    percent: Decimal | None
    reason: str
    who: str
    when: dt.datetime
    rows: list[FieldChange]


def _money(value) -> str:
    return "(none)" if value in (None, "") else gbp(Decimal(str(value)))


def rate_change_rows(change, school_names: dict | None = None) -> list[tuple[str, str, str]]:
    """(rate, before, from the date) for each rate a dated change moves: "LSA hourly rate
    (primary)", "£15.50", "£16.00"."""
    rows = []
    old = change.previous or {}
    was = {(r["role"], r["phase"]): r["hourly_rate"] for r in old.get("hourly_rates", [])}
    for r in change.values.get("hourly_rates", []):
        before = was.get((r["role"], r["phase"]))
        if before is None or Decimal(str(before)) != Decimal(str(r["hourly_rate"])):
            label = f"{ROLE_LABELS.get(r['role'], r['role'])} hourly rate ({r['phase']})"
            rows.append((label, _money(before), _money(r["hourly_rate"])))
    old_bands = {str(b["min_hours"]): b for b in old.get("ta_bands", [])}
    for band in change.values.get("ta_bands", []):
        before = old_bands.get(str(band["min_hours"]), {})
        for name, what in (
            ("amount_from", "amount from"),
            ("rate_per_hour", "per hour above"),
            ("amount_to", "at most"),
        ):
            if str(before.get(name)) != str(band.get(name)):
                label = f"TA band {band.get('label') or band['min_hours']}: {what}"
                rows.append((label, _money(before.get(name)), _money(band.get(name))))
    was_bands = {(b["school_id"], b["band"]): b["rate"] for b in old.get("band_rates", [])}
    names = school_names or {}
    for b in change.values.get("band_rates", []):
        before = was_bands.get((b["school_id"], b["band"]))
        if before is None or Decimal(str(before)) != Decimal(str(b["rate"])):
            school = names.get(b["school_id"], f"School {b['school_id']}")
            rows.append((f"{school} band {b['band']}", _money(before), _money(b["rate"])))
    return rows


def dated_rate_changes(scheme: FundingScheme) -> list[DatedRateChange]:
    """The scheme's dated rate changes, in date order, each rate as before → from the date."""
    from schools.models import School

    changes = list(
        SchemeRateChange.objects.filter(scheme=scheme)
        .select_related("created_by")
        .order_by("effective_from", "id")
    )
    ids = {b["school_id"] for c in changes for b in c.values.get("band_rates", [])}
    names = dict(School.objects.filter(id__in=ids).values_list("id", "name")) if ids else {}
    return [
        DatedRateChange(
            c.effective_from,
            c.percent,
            c.reason,
            _person(c.created_by),
            c.created_at,
            [FieldChange(*row) for row in rate_change_rows(c, names)],
        )
        for c in changes
    ]
