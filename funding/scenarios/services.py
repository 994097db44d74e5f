"""Writes for scenarios (R26): copy a live scheme into a scenario, edit its rates, run it on the
live data, make it cost neutral. Nothing here writes to a live scheme, run or payment."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import time
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models as dj_models
from django.db import transaction
from django.utils import timezone

from funding import services as live_services
from funding.calculations.allocation import NoSchoolDays, allocate
from funding.calculations.money import round_money
from funding.calculations.scheme import validate_scheme
from funding.extensions import line_sources
from funding.scenarios import calculations as calc
from funding.scenarios.models import (
    AdoptionKind,
    Scenario,
    ScenarioAdoption,
    ScenarioPupilAmount,
    ScenarioRun,
    ScenarioSchoolTotal,
)
from funding.scenarios.selectors import plain_field, rates_of, values_from_scheme
from funding.selectors import allocation_inputs, scheme_for
from schools.dates import FinancialYear
from schools.selectors import administering_la

NO_SCHEME = "There is no live funding scheme for FY {fy} to copy or compare with."
NAME_TAKEN = "There is already a scenario called {name} for FY {fy}."
NEGATIVE_BAND = "Band {band} at school {school} cannot be negative ({amount})."
UNKNOWN_FIELD = "{name} is not a figure of a funding scheme."
AS_AT_IN_FUTURE = "A scenario can only read the data as it stood at a moment that has passed."
UNKNOWN_RATE_SET = "Choose the rates the factor applies to: hourly rates or band values."
WRITE_BATCH = 5000


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def _validate(scenario: Scenario) -> None:
    """The same checks as a live scheme (floors, missing rates, negatives), and band rates."""
    rates, band_rates = rates_of(scenario)
    errors = validate_scheme(rates)
    for (school, band), amount in band_rates.items():
        if amount is None or amount < 0:
            errors.setdefault("band_rates", []).append(
                NEGATIVE_BAND.format(band=band, school=school, amount=amount)
            )
    if errors:
        raise ValidationError(errors)


def _save(scenario: Scenario, user, reason: str) -> Scenario:
    scenario._history_user = _user(user)
    scenario._change_reason = reason[:100]
    scenario.save()
    return scenario


@transaction.atomic
def scenario_create_from_scheme(
    *, financial_year: int, name: str, description: str = "", user=None, la=None
) -> Scenario:
    """A scenario holding a copy of every value of the LA's live scheme for the year."""
    fy = FinancialYear(int(financial_year))
    la = la or administering_la()
    scheme = scheme_for(fy, la)
    if scheme is None:
        raise ValidationError({"financial_year": NO_SCHEME.format(fy=fy)})
    if Scenario.objects.filter(la=la, financial_year=fy.start_year, name=name).exists():
        raise ValidationError({"name": NAME_TAKEN.format(name=name, fy=fy)})
    scenario = Scenario(
        la=la,
        financial_year=fy.start_year,
        name=name,
        description=description,
        source_scheme=scheme,
        values=values_from_scheme(scheme),
        created_by=_user(user),
    )
    scenario.full_clean()
    return _save(scenario, user, f"Copied from the live scheme {scheme.name}")


def _merge_rows(rows: list[dict], changes: dict, keys: tuple[str, ...]) -> list[dict]:
    """Rows with the changes {(key values): {field: value}} applied (a row not there is added)."""
    out = [dict(r) for r in rows]
    index = {tuple(str(r[k]) for k in keys): r for r in out}
    for key, fields in changes.items():
        key = tuple(str(k) for k in (key if isinstance(key, tuple) else (key,)))
        row = index.get(key)
        if row is None:
            row = dict(zip(keys, key, strict=True))
            out.append(row)
            index[key] = row
        row.update({k: plain_field(v) for k, v in fields.items()})
    return out


@transaction.atomic
def scenario_update_rates(
    *,
    scenario: Scenario,
    fields: dict | None = None,
    hourly_rates: dict | None = None,
    ta_bands: dict | None = None,
    band_rates: dict | None = None,
    sen_factors: dict | None = None,
    description: str | None = None,
    user=None,
    reason: str = "Rates edited",
) -> Scenario:
    """Change the scenario's values (never the live scheme's): `fields` by name; `hourly_rates`
    {(role, phase): {"hourly_rate": ...}}; `ta_bands` {min_hours: {...}}; `band_rates`
    {(school id, band): rate}; `sen_factors` {factor: {...}}. Checked as a live scheme is."""
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    values = copy.deepcopy(scenario.values)
    from funding.models import SCHEME_FIELD_NAMES

    for name, value in (fields or {}).items():
        if name not in SCHEME_FIELD_NAMES:
            raise ValidationError({name: UNKNOWN_FIELD.format(name=name)})
        values["fields"][name] = plain_field(value)
    if hourly_rates:
        values["hourly_rates"] = _merge_rows(
            values["hourly_rates"], hourly_rates, ("role", "phase")
        )
    if ta_bands:
        values["ta_bands"] = _merge_rows(values["ta_bands"], ta_bands, ("min_hours",))
    if sen_factors:
        values["sen_factors"] = _merge_rows(values["sen_factors"], sen_factors, ("factor",))
    if band_rates:
        values["band_rates"] = _merge_rows(
            values["band_rates"],
            {key: {"rate": rate} for key, rate in band_rates.items()},
            ("school_id", "band"),
        )
        for row in values["band_rates"]:
            row["school_id"], row["band"] = int(row["school_id"]), int(row["band"])
    scenario.values = values
    if description is not None:
        scenario.description = description
    _validate(scenario)
    return _save(scenario, user, reason)


BAD_CAP = "A cap is a percentage from 0 to 100."


@transaction.atomic
def scenario_set_protection(
    *,
    scenario: Scenario,
    loss_cap_percent: Decimal | None,
    gain_cap_percent: Decimal | None = None,
    funded: bool = True,
    user=None,
) -> Scenario:
    """Give the scenario a transitional protection rule (R26), or none (`loss_cap_percent`
    None). Kept in the snapshot with the rates, so it is versioned and adopted with them."""
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    values = copy.deepcopy(scenario.values)
    if loss_cap_percent is None:
        values.pop("protection", None)
        reason = "Transitional protection removed"
    else:
        errors = {}
        for name, cap in (
            ("loss_cap_percent", loss_cap_percent),
            ("gain_cap_percent", gain_cap_percent),
        ):
            if cap is not None and not (Decimal("0") <= Decimal(cap) <= Decimal("100")):
                errors[name] = BAD_CAP
        if errors:
            raise ValidationError(errors)
        rule = calc.Protection(
            Decimal(loss_cap_percent),
            None if gain_cap_percent is None else Decimal(gain_cap_percent),
            funded,
        )
        values["protection"] = rule.as_values()
        reason = (
            f"Transitional protection: loss capped at {rule.loss_cap_percent}%"
            + (f", gain at {rule.gain_cap_percent}%" if rule.gain_cap_percent is not None else "")
            + ("" if funded else ", not funded")
        )
    scenario.values = values
    return _save(scenario, user, reason)


# ---- runs ----------------------------------------------------------------------------------------


def _result(inputs):
    """The engine's lines, and every registered line source's (as a live run has them)."""
    result = allocate(inputs)
    for name, source in line_sources():
        extra_lines, extra_warnings = source(inputs)
        result.lines.extend(extra_lines)
        result.warnings.extend(f"{name}: {w}" for w in extra_warnings)
    return result


def _write_run(run: ScenarioRun, result, seconds: float) -> ScenarioRun:
    summary = calc.summarise(result.lines)
    run.total = summary.total
    run.lines = summary.lines
    run.pupils = summary.pupils
    run.warnings = result.warnings[:500]
    run.seconds = seconds
    run.save()
    ScenarioSchoolTotal.objects.bulk_create(
        (
            ScenarioSchoolTotal(
                run=run, school_id=s, element=e, route=r, amount=amount, lines=count
            )
            for (s, e, r), (amount, count) in summary.school_totals.items()
        ),
        batch_size=WRITE_BATCH,
    )
    ScenarioPupilAmount.objects.bulk_create(
        (
            ScenarioPupilAmount(
                run=run, pupil_id=p, school_id=s, amount=amount, detail=detail[:300]
            )
            for (p, s), (amount, detail) in summary.pupil_amounts.items()
        ),
        batch_size=WRITE_BATCH,
    )
    return run


def _inputs(scenario: Scenario, as_at: dt.datetime | None):
    if as_at is not None:
        if timezone.is_naive(as_at):
            as_at = timezone.make_aware(as_at)
        if as_at > timezone.now():
            raise ValidationError({"as_at": AS_AT_IN_FUTURE})
    scheme = scheme_for(scenario.fy, scenario.la)
    if scheme is None:
        raise ValidationError({"financial_year": NO_SCHEME.format(fy=scenario.fy)})
    moment = as_at or timezone.now()
    inputs = allocation_inputs(scenario.fy, scheme=scheme, la=scenario.la, as_at=as_at)
    return scheme, moment, inputs


def _scenario_inputs(scenario: Scenario, inputs):
    rates, band_rates = rates_of(scenario)
    return dataclasses.replace(inputs, rates=rates, band_rates=band_rates)


@transaction.atomic
def scenario_run(
    *, scenario: Scenario, as_at: dt.datetime | None = None, user=None, note: str = ""
) -> ScenarioRun:
    """Run the scenario on the live data as at `as_at` (default now), and the live scheme on
    the very same data as its baseline: two `ScenarioRun`s, never an `AllocationRun`."""
    scenario = Scenario.objects.select_related("la").get(pk=scenario.pk)
    _validate(scenario)
    scheme, moment, inputs = _inputs(scenario, as_at)
    try:
        started = time.perf_counter()
        live = _result(inputs)
        live_seconds = time.perf_counter() - started
        started = time.perf_counter()
        result = _result(_scenario_inputs(scenario, inputs))
        seconds = time.perf_counter() - started
    except NoSchoolDays as exc:
        raise ValidationError({"financial_year": str(exc)}) from None
    common = dict(
        scheme=scheme, financial_year=scenario.financial_year, as_at=moment, created_by=_user(user)
    )
    baseline = _write_run(
        ScenarioRun(label=f"Live scheme {scheme.name}", **common), live, live_seconds
    )
    run = ScenarioRun(
        scenario=scenario, baseline=baseline, label=scenario.name, note=note, **common
    )
    return _write_run(run, result, seconds)


@dataclasses.dataclass
class CostNeutral:
    factor: Decimal
    target: Decimal
    tolerance: Decimal
    predicted: Decimal
    run: ScenarioRun
    scenario: Scenario
    seconds_to_solve: float

    @property
    def difference(self) -> Decimal:
        return self.run.total - self.target


def scenario_cost_neutral(
    *,
    scenario: Scenario,
    rate_set: str,
    target: Decimal | None = None,
    as_at: dt.datetime | None = None,
    user=None,
) -> CostNeutral:
    """Find the one factor that, applied to `rate_set` (hourly rates or band values), brings
    the scenario's total to `target` (default: the live scheme's total on the same data) within
    a penny per pupil; write the scaled rates to the scenario; confirm with one real run.

    The search re-prices each line from its components (`calculations.components`), so it needs
    one run of the scenario however many guesses it takes, and one more to confirm."""
    if rate_set not in calc.RATE_SETS:
        raise ValidationError({"rate_set": UNKNOWN_RATE_SET})
    scenario = Scenario.objects.select_related("la").get(pk=scenario.pk)
    _validate(scenario)
    _scheme, _moment, inputs = _inputs(scenario, as_at)
    started = time.perf_counter()
    if target is None:
        target = sum((line.amount for line in _result(inputs).lines), Decimal("0"))
    result = _result(_scenario_inputs(scenario, inputs))
    comps = calc.components(result.lines, rate_set)
    tolerance = calc.penny_per_pupil(comps.pupils)
    try:
        factor = calc.solve_factor(comps, target, tolerance=tolerance)
    except calc.NoFactor as exc:
        raise ValidationError({"target": str(exc)}) from None
    solved = time.perf_counter() - started
    predicted = Decimal(repr(comps.total(float(factor)))).quantize(Decimal("0.01"))
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
        scenario.values = calc.scale_values(scenario.values, rate_set, factor)
        _validate(scenario)
        _save(scenario, user, f"Cost neutral: {rate_set} × {factor} to meet £{target:,.2f}")
        run = scenario_run(
            scenario=scenario,
            as_at=as_at,
            user=user,
            note=f"Cost neutral at × {factor} ({rate_set}) for a target of £{target:,.2f}",
        )
    return CostNeutral(factor, target, tolerance, predicted, run, scenario, solved)


# ---- adopting: uplifts to the live scheme, a scenario as next year's scheme ---------------------

NO_REASON = "Say why: the reason is kept with the new version of the scheme."
NEXT_YEAR_EXISTS = (
    "FY {fy} already has a scheme ({name}); choose to replace its values to adopt this scenario."
)
UPLIFT_OUTSIDE_YEAR = "The uplift must start within FY {fy}."


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


@dataclasses.dataclass
class UpliftPreview:
    percent: Decimal
    rate_set: str
    effective_from: dt.date
    #: The live scheme's values with the uplift, rates rounded as adopting writes them.
    values: dict
    #: The rest of the year from `effective_from` (R7+ pro rata on the engine's lines).
    cost: Decimal
    #: The same uplift over the whole year, for reference.
    annual_cost: Decimal


def uplift_preview(
    *, financial_year: int, percent: Decimal, rate_set: str, effective_from: dt.date, la=None
) -> UpliftPreview:
    """Price an uplift (e.g. a pay award) to `rate_set` from a date on the live data: the
    engine's lines at the live and uplifted rates, each counted from the date, pro rata."""
    if rate_set not in calc.RATE_SETS:
        raise ValidationError({"rate_set": UNKNOWN_RATE_SET})
    fy = FinancialYear(int(financial_year))
    if not (fy.starts_on <= effective_from <= fy.ends_on):
        raise ValidationError({"effective_from": UPLIFT_OUTSIDE_YEAR.format(fy=fy)})
    la = la or administering_la()
    scheme = scheme_for(fy, la)
    if scheme is None:
        raise ValidationError({"financial_year": NO_SCHEME.format(fy=fy)})
    values = _rounded(
        calc.scale_values(values_from_scheme(scheme), rate_set, calc.uplift_factor(percent))
    )
    shadow = Scenario(la=la, financial_year=fy.start_year, name=f"Uplift {percent}%", values=values)
    inputs = allocation_inputs(fy, scheme=scheme, la=la)
    try:
        live = _result(inputs).lines
        uplifted = _result(_scenario_inputs(shadow, inputs)).lines
    except NoSchoolDays as exc:
        raise ValidationError({"financial_year": str(exc)}) from None
    cost = calc.cost_from(live, uplifted, effective_from, inputs.calendar)
    annual = sum((x.amount for x in uplifted), Decimal(0)) - sum(
        (x.amount for x in live), Decimal(0)
    )
    return UpliftPreview(Decimal(percent), rate_set, effective_from, values, cost, annual)


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
    """Write the uplift to the live scheme as a new version (history: who, and the reason),
    and record the adoption with the cost previewed."""
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
    _values_to_scheme(scheme, preview.values, user=user, reason=why, fields=False)
    return ScenarioAdoption.objects.create(
        kind=AdoptionKind.UPLIFT,
        scheme=scheme,
        financial_year=scheme.financial_year,
        reason=reason.strip(),
        percent=preview.percent,
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
