"""Dates typed into the report pages' GOV.UK date inputs (day, month, year)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

DATE_PARTS = ("day", "month", "year")


def date_input_parts(request, name: str, value: dt.date | None = None) -> dict:
    """What a GOV.UK date input shows: the day, month and year as entered, else `value`."""
    entered = {part: request.GET.get(f"{name}-{part}", "").strip() for part in DATE_PARTS}
    if any(entered.values()) or value is None:
        return entered
    return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}


def date_param(request, name: str, label: str = "The date") -> tuple[dt.date | None, str]:
    """A date from a GOV.UK date input (`name-day`, `name-month`, `name-year`), or from
    `name` as YYYY-MM-DD (links); (None, message) when it is not a real date."""
    parts = {part: request.GET.get(f"{name}-{part}", "").strip() for part in DATE_PARTS}
    if any(parts.values()):
        missing = [part for part in DATE_PARTS if not parts[part]]
        if missing:
            return None, f"{label} must include a {' and a '.join(missing)}"
        if not all(parts[part].isdigit() for part in DATE_PARTS) or len(parts["year"]) != 4:
            return None, f"{label} must be a real date, for example 15 11 2025"
        try:
            return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"])), ""
        except ValueError:
            return None, f"{label} must be a real date, for example 15 11 2025"
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None, ""
    try:
        return dt.date.fromisoformat(raw), ""
    except ValueError:
        return None, f"Enter the date as YYYY-MM-DD, for example {timezone.localdate():%Y-%m-%d}."
