"""Writes that make a scenario's figures live (R26): an uplift to the live scheme's rates from
a date (previewed first: its cost for the rest of the year), and a scenario adopted as next
year's scheme. Each writes a new version of a live scheme, with who and why, and records a
`ScenarioAdoption`. (Split from services.py, which keeps the scenario writes and runs.)

An uplift from a date inside the year is a dated rate change (`SchemeRateChange`), not new
values for the year's rates: the engine counts it from its date only (R7, R7+), so payments
(R24) pay it from that date and never back-pay it to 1 April. An uplift from the year's first
day is the year's own rates, written onto them."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models as dj_models
from django.db import transaction

from funding import services as live_services
from funding.calculations.allocation import NoSchoolDays
from funding.calculations.money import round_money
from funding.calculations.scheme import uplift_factor
from funding.scenarios import calculations as calc
from funding.scenarios.models import AdoptionKind, Scenario, ScenarioAdoption
from funding.scenarios.selectors import plain_field, values_from_scheme
from funding.scenarios.services import (
    NO_SCHEME,
    UNKNOWN_RATE_SET,
    _result,
    _save,
    _scenario_inputs,
    _user,
    _validate,
)
from funding.selectors import allocation_inputs, scheme_for
from schools.dates import FinancialYear
from schools.selectors import administering_la

NO_REASON = "Say why: the reason is kept with the new version of the scheme."
NEXT_YEAR_EXISTS = (
    "FY {fy} already has a scheme ({name}); choose to replace its values to adopt this scenario."
)
UPLIFT_OUTSIDE_YEAR = "The uplift must start within FY {fy}."
#: What a dated change keeps of each rate set (the snapshot's keys).
RATE_SET_KEYS = {calc.HOURLY_RATES: ("hourly_rates",), calc.BAND_VALUES: ("ta_bands", "band_rates")}


def _places(model, name: str) -> Decimal:
    return Decimal(1).scaleb(-model._meta.get_field(name).decimal_places)


def _fit(model, name: str, value) -> Decimal | None:
    """A snapshot value as the live field holds it: rounded half-up to its decimal places (a
    cost-neutral factor or an uplift can leave more)."""
    if value in (None, ""):
        return None
    return (
        round_money(Decimal(str(value)))
        if _places(model, name) == Decimal("0.01")
        else (Decimal(str(value)).quantize(_places(model, name), rounding=ROUND_HALF_UP))
    )


def _live_save(instance, user, reason: str) -> None:
    instance._history_user = _user(user)
    instance._change_reason = reason[:100]
    instance.full_clean()
    instance.save()


def _rows_to_scheme(scheme, model, related, rows, keys, names, user, reason) -> None:
    """Make the scheme's rate table `related` hold `rows` (matched on `keys`), each change
    saved with its history (who, why); rows no longer in the snapshot are deleted."""
    existing = {tuple(str(getattr(o, k)) for k in keys): o for o in getattr(scheme, related).all()}
    seen = set()
    for row in rows:
        key = tuple(str(_fit(model, k, row[k]) if k == "min_hours" else row[k]) for k in keys)
        seen.add(key)
        obj = existing.get(key) or model(scheme=scheme, **{k: row[k] for k in keys})
        changed = obj.pk is None
        for name in names:
            if name not in row:
                continue
            value = row[name]
            if isinstance(model._meta.get_field(name), dj_models.DecimalField):
                value = _fit(model, name, value)
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed:
            _live_save(obj, user, reason)
    for key, obj in existing.items():
        if key not in seen:
            obj._history_user = _user(user)
            obj._change_reason = reason[:100]
            obj.delete()


def _values_to_scheme(scheme, values: dict, *, user, reason: str, fields: bool = True) -> None:
    """Write a snapshot's values onto a live scheme (fields, rate tables, and the special
    school band rates of the scheme's year), as a new version with the reason."""
    from funding.models import FundingScheme, HourlyRate, NotionalSenFactor, TaHoursBand
    from funding.scenarios.selectors import _field_value
    from schools.models import SpecialSchoolBand

    if fields:
        for name, value in values.get("fields", {}).items():
            value = _field_value(name, value)
            if isinstance(FundingScheme._meta.get_field(name), dj_models.DecimalField):
                value = _fit(FundingScheme, name, value)
            setattr(scheme, name, value)
        _live_save(scheme, user, reason)
    _rows_to_scheme(
        scheme,
        NotionalSenFactor,
        "sen_factors",
        values.get("sen_factors", []),
        ("factor",),
        ("weight_percent", "rate_per_pupil"),
        user,
        reason,
    )
    _rows_to_scheme(
        scheme,
        HourlyRate,
        "hourly_rates",
        values.get("hourly_rates", []),
        ("role", "phase"),
        ("hourly_rate", "weeks_per_year", "delegated"),
        user,
        reason,
    )
    _rows_to_scheme(
        scheme,
        TaHoursBand,
        "ta_bands",
        values.get("ta_bands", []),
        ("min_hours",),
        ("amount_from", "rate_per_hour", "amount_to", "label"),
        user,
        reason,
    )
    for row in values.get("band_rates", []):
        rate = _fit(SpecialSchoolBand, "annual_rate", row["rate"])
        band = SpecialSchoolBand.objects.filter(
            school_id=row["school_id"], band=row["band"], financial_year=scheme.financial_year
        ).first() or SpecialSchoolBand(
            school_id=row["school_id"], band=row["band"], financial_year=scheme.financial_year
        )
        if band.pk is None or band.annual_rate != rate:
            band.annual_rate = rate
            _live_save(band, user, reason)
    live_services.scheme_validate(scheme)


def _rounded(values: dict) -> dict:
    """A snapshot with its rates as the live scheme would hold them (what adopting writes)."""
    from funding.models import HourlyRate, TaHoursBand
    from schools.models import SpecialSchoolBand

    out = copy.deepcopy(values)
    for r in out.get("hourly_rates", []):
        r["hourly_rate"] = plain_field(_fit(HourlyRate, "hourly_rate", r["hourly_rate"]))
    for b in out.get("ta_bands", []):
        for name in ("amount_from", "rate_per_hour", "amount_to"):
            b[name] = plain_field(_fit(TaHoursBand, name, b.get(name)))
    for b in out.get("band_rates", []):
        b["rate"] = plain_field(_fit(SpecialSchoolBand, "annual_rate", b["rate"]))
    return out


def _changed_values(values: dict, rate_set: str) -> dict:
    """The part of a snapshot a dated change of `rate_set` keeps: hourly rates by role and
    phase, or the TA hours bands and special school band rates."""
    if rate_set == calc.HOURLY_RATES:
        return {
            "hourly_rates": [
                {"role": r["role"], "phase": r["phase"], "hourly_rate": r["hourly_rate"]}
                for r in values.get("hourly_rates", [])
            ]
        }
    return {key: copy.deepcopy(values.get(key, [])) for key in RATE_SET_KEYS[rate_set]}


def values_in_force(scheme, on: dt.date) -> dict:
    """The live scheme's snapshot with the rates in force on `on`: the year's rates with each
    dated change from on or before `on` over them, in date order (R26): an uplift's percentage
    over the rates before it, rounded as the live field holds them (as the engine's
    `scheme.rates_from` does, so the preview is the run)."""
    values = values_from_scheme(scheme)
    for change in scheme.rate_changes.filter(effective_from__lte=on).order_by(
        "effective_from", "id"
    ):
        if change.percent is not None and change.rate_set in calc.RATE_SETS:
            factor = uplift_factor(change.percent)
            values = _rounded(calc.scale_values(values, change.rate_set, factor))
            continue
        new = change.values
        by_key = {(r["role"], r["phase"]): r for r in new.get("hourly_rates", [])}
        for rate in values.get("hourly_rates", []):
            found = by_key.get((rate["role"], rate["phase"]))
            if found is not None:
                rate["hourly_rate"] = found["hourly_rate"]
        if "ta_bands" in new:
            values["ta_bands"] = copy.deepcopy(new["ta_bands"])
        bands = {(b["school_id"], b["band"]): b["rate"] for b in new.get("band_rates", [])}
        for band in values.get("band_rates", []):
            band["rate"] = bands.get((band["school_id"], band["band"]), band["rate"])
    return values


@dataclasses.dataclass
class UpliftPreview:
    percent: Decimal
    rate_set: str
    effective_from: dt.date
    #: The live scheme's values in force from the date with the uplift, rates rounded as
    #: adopting writes them.
    values: dict
    #: What the year's run adds with the uplift counted from `effective_from` (R7, R7+: the
    #: lines crossing the date split there, each pro rata from its own annual amount).
    cost: Decimal
    #: The same uplift over the whole year, for reference.
    annual_cost: Decimal
    #: The rates in force on the date before the uplift (the same shape as `values`).
    previous: dict = dataclasses.field(default_factory=dict)


def _combined(first: Decimal, then: Decimal) -> Decimal:
    """Two uplifts as one percentage, to the field's 4 places: 5% then 10% is 15.5%."""
    return ((uplift_factor(first) * uplift_factor(then) - 1) * 100).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


def _total(result) -> Decimal:
    return sum((x.amount for x in result.lines), Decimal(0))


def uplift_preview(
    *, financial_year: int, percent: Decimal, rate_set: str, effective_from: dt.date, la=None
) -> UpliftPreview:
    """Price an uplift (e.g. a pay award) to `rate_set` from a date on the live data: the
    year's run with the uplift as a dated rate change, less the year's run without it, so the
    cost is what the run adds once it is adopted (R26, R7+)."""
    from funding.calculations.scheme import rate_change_of

    if rate_set not in calc.RATE_SETS:
        raise ValidationError({"rate_set": UNKNOWN_RATE_SET})
    fy = FinancialYear(int(financial_year))
    if not (fy.starts_on <= effective_from <= fy.ends_on):
        raise ValidationError({"effective_from": UPLIFT_OUTSIDE_YEAR.format(fy=fy)})
    la = la or administering_la()
    scheme = scheme_for(fy, la)
    if scheme is None:
        raise ValidationError({"financial_year": NO_SCHEME.format(fy=fy)})
    before = values_in_force(scheme, effective_from)
    # A second uplift to the same rates from the same date is one change with the two
    # percentages combined, over the rates before that date (as adopting stores it).
    same = (
        None
        if effective_from == fy.starts_on
        else scheme.rate_changes.filter(effective_from=effective_from, rate_set=rate_set)
        .exclude(percent=None)
        .first()
    )
    applied = Decimal(percent)
    if same is not None:
        applied = _combined(same.percent, percent)
        before = values_in_force(scheme, effective_from - dt.timedelta(days=1))
    values = _rounded(calc.scale_values(before, rate_set, uplift_factor(applied)))
    # The same uplift from 1 April: the year's own rates scaled, the dated changes over them.
    whole_year = _rounded(
        calc.scale_values(values_from_scheme(scheme), rate_set, uplift_factor(percent))
    )
    shadow = Scenario(
        la=la, financial_year=fy.start_year, name=f"Uplift {percent}%", values=whole_year
    )
    inputs = allocation_inputs(fy, scheme=scheme, la=la)
    try:
        live = _total(_result(inputs))
        annual = _total(_result(_scenario_inputs(shadow, inputs))) - live
        if effective_from == fy.starts_on:
            cost = annual  # from the year's first day: the year's own rates
        else:
            change = rate_change_of(
                effective_from,
                _changed_values(values, rate_set),
                percent=applied,
                rate_set=rate_set,
            )
            others = tuple(
                c
                for c in inputs.rates.rate_changes
                if (c.effective_from, c.rate_set) != (effective_from, rate_set)
            )
            rates = dataclasses.replace(inputs.rates, rate_changes=(*others, change), _hourly={})
            cost = _total(_result(dataclasses.replace(inputs, rates=rates))) - live
    except NoSchoolDays as exc:
        raise ValidationError({"financial_year": str(exc)}) from None
    return UpliftPreview(
        Decimal(percent),
        rate_set,
        effective_from,
        values,
        cost,
        annual,
        _changed_values(before, rate_set),
    )


@transaction.atomic
def uplift_adopt(
    *,
    financial_year: int,
    percent: Decimal,
    rate_set: str,
    effective_from: dt.date,
    reason: str,
    user=None,
    la=None,
) -> ScenarioAdoption:
    """Adopt an uplift on the live scheme, with who and the reason, and record the adoption
    with the cost previewed. From a date inside the year it is a dated rate change (R26, R7):
    the year's rates stay as they were before the date, so nothing is back-paid to 1 April
    (R24) and the next payment period pays it from its date. From the year's first day it is
    written onto the year's rates (a new version of them)."""
    from funding.models import SchemeRateChange

    if not (reason or "").strip():
        raise ValidationError({"reason": NO_REASON})
    la = la or administering_la()
    preview = uplift_preview(
        financial_year=financial_year,
        percent=percent,
        rate_set=rate_set,
        effective_from=effective_from,
        la=la,
    )
    scheme = scheme_for(FinancialYear(int(financial_year)), la)
    why = f"Uplift {percent}% to {rate_set} from {effective_from:%d %b %Y}: {reason.strip()}"
    if effective_from == scheme.fy.starts_on:
        _values_to_scheme(scheme, preview.values, user=user, reason=why, fields=False)
    else:
        existing = scheme.rate_changes.filter(
            effective_from=effective_from, rate_set=rate_set
        ).first()
        change = existing or SchemeRateChange(
            scheme=scheme,
            financial_year=scheme.financial_year,
            effective_from=effective_from,
            rate_set=rate_set,
        )
        if existing is not None:  # a second uplift from the same date: on top of the first
            preview.previous = existing.previous
            if existing.percent is not None:
                preview.percent = _combined(existing.percent, percent)
        change.percent = preview.percent
        change.values = _changed_values(preview.values, rate_set)
        change.previous = preview.previous
        change.reason = (
            reason.strip() if existing is None else f"{existing.reason}; {reason.strip()}"
        )[:500]
        change.created_by = change.created_by or _user(user)
        _live_save(change, user, why)
    return ScenarioAdoption.objects.create(
        kind=AdoptionKind.UPLIFT,
        scheme=scheme,
        financial_year=scheme.financial_year,
        reason=reason.strip(),
        percent=Decimal(percent),
        rate_set=rate_set,
        effective_from=effective_from,
        cost=preview.cost,
        adopted_by=_user(user),
    )


@transaction.atomic
def scenario_adopt_as_next_year(
    *, scenario: Scenario, reason: str, user=None, replace: bool = False
) -> ScenarioAdoption:
    """Make the scenario next year's scheme (FY + 1) in one action: the live scheme copied to
    FY + 1 by the scheme services, then the scenario's values written onto it (rates rounded as
    the scheme holds them), with who and why. Refused when FY + 1 has a scheme, unless
    `replace` (then its values are replaced, as a new version with the reason)."""
    from funding.models import FundingScheme

    if not (reason or "").strip():
        raise ValidationError({"reason": NO_REASON})
    scenario = Scenario.objects.select_for_update().select_related("la").get(pk=scenario.pk)
    _validate(scenario)
    next_fy = scenario.financial_year + 1
    why = f"Adopted scenario {scenario.name}: {reason.strip()}"
    existing = FundingScheme.objects.filter(la=scenario.la, financial_year=next_fy).first()
    if existing is not None and not replace:
        raise ValidationError(
            {"financial_year": NEXT_YEAR_EXISTS.format(fy=FinancialYear(next_fy), name=existing)}
        )
    if existing is None:
        source = scenario.source_scheme or scheme_for(scenario.fy, scenario.la)
        if source is None:
            raise ValidationError({"financial_year": NO_SCHEME.format(fy=scenario.fy)})
        scheme = live_services.scheme_copy(scheme=source, financial_year=next_fy, user=user)
    else:
        scheme = existing
    values = copy.deepcopy(scenario.values)
    # Band rates are per year: the scenario's become FY + 1's.
    _values_to_scheme(scheme, _rounded(values), user=user, reason=why)
    adoption = ScenarioAdoption.objects.create(
        kind=AdoptionKind.NEXT_YEAR,
        scenario=scenario,
        scheme=scheme,
        financial_year=next_fy,
        reason=reason.strip(),
        replaced=existing is not None,
        adopted_by=_user(user),
    )
    _save(scenario, user, f"Adopted as the FY {FinancialYear(next_fy)} scheme")
    return adoption
