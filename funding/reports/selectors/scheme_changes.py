"""What changed in the scheme between two runs (django-simple-history): a setting turned on or
off, a rate changed, a rate added or removed, with the date, who did it and their reason. The
comparison explains a difference no pupil's record explains by these. Five queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from funding.models import (
    SCHEME_FIELD_NAMES,
    FundingScheme,
    HourlyRate,
    NotionalSenFactor,
    TaHoursBand,
)
from schools.models import SpecialSchoolBand

TOP_UPS = frozenset({"top_up", "psf"})
#: The elements each scheme setting can move (a setting not listed can move any element).
FIELD_ELEMENTS = {
    "psf_enabled": TOP_UPS,
    "psf_cutover_date": TOP_UPS,
    "top_up_for_plans_after_psf_cutover": TOP_UPS,
    "top_up_method": TOP_UPS,
    "threshold": TOP_UPS | {"additional_sen_support"},
    "threshold_basis": TOP_UPS | {"additional_sen_support"},
    "enf_short_term_limit": frozenset({"enf", "personal_supplement"}),
    "enf_crisis_limit": frozenset({"enf", "personal_supplement"}),
    "enf_outside_cohort_limit": frozenset({"enf", "personal_supplement"}),
    "additional_sen_support": frozenset({"additional_sen_support"}),
    "ass_percentage": frozenset({"additional_sen_support"}),
    "ass_amount": frozenset({"additional_sen_support"}),
    "ass_counting_month": frozenset({"additional_sen_support"}),
    "ass_counting_day": frozenset({"additional_sen_support"}),
    "special_place_amount": frozenset({"place"}),
    "ssc_occupied_place_amount": frozenset({"place"}),
    "ssc_unoccupied_place_amount": frozenset({"place"}),
    "ap_place_amount": frozenset({"place"}),
    "place_funding_split": frozenset({"place", "element_1"}),
    "import_export_rate": frozenset(),
}
MONEY_FIELDS = {
    "awpu_primary",
    "awpu_ks3",
    "awpu_ks4",
    "threshold",
    "ass_amount",
    "special_place_amount",
    "ssc_occupied_place_amount",
    "ssc_unoccupied_place_amount",
    "ap_place_amount",
    "fe_element_1",
    "fe_element_2",
    "import_export_rate",
}


@dataclass(frozen=True)
class SchemeChange:
    """One change to the scheme made after the earlier run started and before the later one."""

    on: dt.date
    text: str  # "Band 3 rate at Oak School changed from £x to £y on 3 Nov 2025, by Jo Bloggs"
    elements: frozenset | None = None  # None: may move any element
    school_id: int | None = None  # a school's own band rates

    def applies_to(self, school_id: int, element: str) -> bool:
        if self.school_id is not None and self.school_id != school_id:
            return False
        return self.elements is None or element in self.elements


def _day(value: dt.datetime) -> str:
    day = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return f"{day.day} {day:%b %Y}"


def _who(h) -> str:
    user = h.history_user
    if user is None:
        return "a system job"
    return user.get_full_name() or user.username


def _value(value, money: bool) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if money and isinstance(value, Decimal):
        return f"£{value:,.2f}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    return str(value)


def _suffix(h, run_label: str) -> str:
    reason = (getattr(h, "history_change_reason", "") or "").strip()
    text = f" on {_day(h.history_date)}, by {_who(h)}"
    if reason:
        text += f" (reason: {reason})"
    return text + run_label


def _changes(rows, since, until, fields, describe):
    """Consecutive history rows of each object compared field by field: (row, field, old, new)
    for every change recorded after `since` and up to `until` (a '-' row: removed)."""
    previous: dict[int, object] = {}
    for h in rows:
        before = previous.get(h.id)
        previous[h.id] = h
        if h.history_date <= since or h.history_date > until:
            continue
        if h.history_type == "+" or before is None:
            yield h, None, None, None, describe(h, "added")
            continue
        if h.history_type == "-":
            yield h, None, None, None, describe(h, "removed")
            continue
        for name in fields:
            old, new = getattr(before, name), getattr(h, name)
            if old != new:
                yield h, name, old, new, None


def scheme_changes(initial, final) -> list[SchemeChange]:
    """Every change to the scheme's settings and rates (and special schools' band rates for the
    year) recorded after `initial` read its data and up to when `final` read its data (each
    run's "as at" moment, else its start), oldest first."""
    since = initial.as_at or initial.started_at or initial.created_at
    until = final.as_at or final.started_at or final.created_at
    if until <= since:
        return []
    run_label = f", before run {final.pk}"
    out: list[SchemeChange] = []
    if initial.scheme_id != final.scheme_id:
        out.append(
            SchemeChange(
                timezone.localdate(until),
                f"Run {final.pk} used the scheme “{final.scheme.name}”, run {initial.pk} "
                f"“{initial.scheme.name}”",
            )
        )
    labels = {f.name: str(f.verbose_name) for f in FundingScheme._meta.get_fields() if f.concrete}
    scheme_rows = (
        FundingScheme.history.filter(id=final.scheme_id, history_date__lte=until)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for h, name, old, new, _ in _changes(
        scheme_rows, since, until, SCHEME_FIELD_NAMES, lambda h, what: None
    ):
        if name is None:
            continue
        label = labels.get(name, name.replace("_", " "))
        if isinstance(new, bool):
            label = label.removesuffix(" in use")
            text = f"{label[:1].upper()}{label[1:]} turned {'on' if new else 'off'} in the scheme"
        else:
            money = name in MONEY_FIELDS
            text = f"Scheme’s {label} changed from {_value(old, money)} to {_value(new, money)}"
        out.append(
            SchemeChange(
                timezone.localdate(h.history_date),
                text + _suffix(h, run_label),
                FIELD_ELEMENTS.get(name),
            )
        )
    rate_sources = (
        (
            HourlyRate,
            ("hourly_rate", "weeks_per_year", "delegated"),
            lambda h: (
                f"{h.get_role_display().split(' (')[0]} {h.get_phase_display().lower()} hourly rate"
            ),
            TOP_UPS,
        ),
        (
            TaHoursBand,
            ("min_hours", "amount_from", "rate_per_hour", "amount_to"),
            lambda h: f"TA hours band {h.label or f'from {h.min_hours} h'}",
            TOP_UPS,
        ),
        (
            NotionalSenFactor,
            ("rate_per_pupil", "weight_percent"),
            lambda h: f"Notional SEN factor {h.get_factor_display()}",
            frozenset({"notional_sen"}),
        ),
    )
    field_labels = {
        "hourly_rate": "",
        "weeks_per_year": " weeks a year",
        "delegated": " delegation",
        "min_hours": " start (hours)",
        "amount_from": " starting amount",
        "rate_per_hour": " amount per hour",
        "amount_to": " upper limit",
        "rate_per_pupil": " rate per pupil",
        "weight_percent": " weight %",
    }
    money_fields = {"hourly_rate", "amount_from", "rate_per_hour", "amount_to", "rate_per_pupil"}
    for model, fields, name_of, elements in rate_sources:
        rows = (
            model.history.filter(scheme_id=final.scheme_id, history_date__lte=until)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        for h, name, old, new, what in _changes(rows, since, until, fields, lambda h, w: w):
            subject = name_of(h)
            if name is None:
                text = f"{subject} {what}"
            else:
                money = name in money_fields
                text = (
                    f"{subject}{field_labels[name]} changed from {_value(old, money)} to "
                    f"{_value(new, money)}"
                )
            out.append(
                SchemeChange(
                    timezone.localdate(h.history_date), text + _suffix(h, run_label), elements
                )
            )
    bands = (
        SpecialSchoolBand.history.filter(
            financial_year=final.financial_year, history_date__lte=until
        )
        .select_related("history_user", "school")
        .order_by("id", "history_date", "history_id")
    )
    for h, name, old, new, what in _changes(bands, since, until, ("annual_rate",), lambda h, w: w):
        subject = f"Band {h.band} rate at {h.school.name}"
        if name is None:
            text = f"{subject} of £{h.annual_rate:,.2f} {what}"
        else:
            text = f"{subject} changed from £{old:,.2f} to £{new:,.2f}"
        out.append(
            SchemeChange(
                timezone.localdate(h.history_date),
                text + _suffix(h, run_label),
                frozenset({"top_up"}),
                h.school_id,
            )
        )
    out.sort(key=lambda c: c.on)
    return out
