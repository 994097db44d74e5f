"""Reads for the scheme pages: what changed in a scheme and its rate tables, when, by whom, why."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from funding.models import FundingScheme, HourlyRate, NotionalSenFactor, TaHoursBand

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
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes[:HISTORY_LIMIT]
