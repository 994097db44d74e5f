"""Writes for scenarios (R26): copy a live scheme into a scenario, edit its rates, run it on the
live data, make it cost neutral. Nothing here writes to a live scheme, run or payment (making a
scenario live: `adoption.py`; runs queued for the worker with a progress page: `jobs.py`)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from funding.calculations.allocation import TOP_UP, AllocationResult, Engine, NoSchoolDays
from funding.calculations.scheme import validate_scheme
from funding.calculations.school_lines import school_lines_and_iar_counts
from funding.extensions import line_sources
from funding.gc_pause import cyclic_gc_paused
from funding.scenarios import calculations as calc
from funding.scenarios.models import (
    Scenario,
    ScenarioPupilAmount,
    ScenarioRun,
    ScenarioSchoolTotal,
)
from funding.scenarios.selectors import plain_field, rates_of, values_from_scheme
from funding.selectors import allocation_inputs, scheme_for
from funding.thread_switches import prompt_thread_switches
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


class _ScenarioEngine(Engine):
    """The engine as a scenario run needs it: the same lines and money, but no explanations
    (a scenario run keeps per school and per pupil totals, never a line's text). A top-up
    line's working is the working of its top-up (its inputs, the support it is for, its
    unrounded annual amount), shared by every line of that top-up: what the summary's pupil
    detail and the cost-neutral components read."""

    def __init__(self, inputs):
        super().__init__(inputs, explain=False)
        self._workings: dict[int, tuple] = {}

    def top_up(self, *args, **kwargs):
        cached = len(self._top_up_cache)
        found = super().top_up(*args, **kwargs)
        if len(self._top_up_cache) != cached:  # newly worked out: keep each part's working
            for part, working in found[0]:
                calculated = part.calculated
                self._workings[id(calculated)] = (
                    calculated,
                    working | {"annual": calculated.unrounded},
                )
        return found

    def emit(self, out, pending, *, pupil_id, payer_la_id):
        first = len(out)
        super().emit(out, pending, pupil_id=pupil_id, payer_la_id=payer_la_id)
        if pupil_id is None or len(out) - first != len(pending):
            return  # school-level lines keep their whole working
        workings = self._workings
        for line, p in zip(out[first:], pending, strict=True):
            if line.element == TOP_UP:
                kept = workings.get(id(p.calc))
                if kept is not None:
                    line.working = kept[1]


def _run(inputs):
    """The engine's lines (as `allocate` makes them, without explanations), every registered
    line source's (as a live run has them), and each school's R4+ IAR count as worked out."""
    engine = _ScenarioEngine(inputs)
    lines, iar_counts = school_lines_and_iar_counts(engine)
    for pupil in inputs.pupils.values():
        lines.extend(engine.pupil_lines(pupil))
    result = AllocationResult(lines, engine.warnings, engine.year_days)
    for name, source in line_sources():
        extra_lines, extra_warnings = source(inputs)
        result.lines.extend(extra_lines)
        result.warnings.extend(f"{name}: {w}" for w in extra_warnings)
    return result, iar_counts


def _result(inputs):
    return _run(inputs)[0]


def _write_run(run: ScenarioRun, result, seconds: float) -> ScenarioRun:
    summary = calc.summarise(result.lines)
    run.total = summary.total
    run.lines = summary.lines
    run.pupils = summary.pupils
    run.warnings = result.warnings[:500]
    run.seconds = seconds
    run.save()
    _insert(
        ScenarioSchoolTotal,
        ("run_id", "school_id", "element", "route", "amount", "lines"),
        (
            (run.pk, s, e, r, amount, count)
            for (s, e, r), (amount, count) in summary.school_totals.items()
        ),
    )
    _insert(
        ScenarioPupilAmount,
        ("run_id", "pupil_id", "school_id", "amount", "detail"),
        (
            (run.pk, p, s, amount, detail[:300])
            for (p, s), (amount, detail) in summary.pupil_amounts.items()
        ),
    )
    return run


def _insert(model, columns: tuple[str, ...], rows) -> None:
    """Write a run's result rows: PostgreSQL's COPY (a run writes tens of thousands of rows,
    and building a model instance for each was half the time of a cost-neutral solve);
    `bulk_create` on other databases (the demo's SQLite)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (model(**dict(zip(columns, row, strict=True))) for row in rows),
            batch_size=WRITE_BATCH,
        )
        return
    qn = connection.ops.quote_name
    names = ", ".join(qn(model._meta.get_field(c.removesuffix("_id")).column) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {qn(model._meta.db_table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def past_moment(as_at: dt.datetime | None) -> dt.datetime | None:
    """`as_at` made aware (the current time zone's when naive), refused when it has not passed
    yet: the moment a scenario run reads the data as it stood at (None: now)."""
    if as_at is None:
        return None
    if timezone.is_naive(as_at):
        as_at = timezone.make_aware(as_at)
    if as_at > timezone.now():
        raise ValidationError({"as_at": AS_AT_IN_FUTURE})
    return as_at


def _inputs(scenario: Scenario, as_at: dt.datetime | None):
    as_at = past_moment(as_at)
    scheme = scheme_for(scenario.fy, scenario.la)
    if scheme is None:
        raise ValidationError({"financial_year": NO_SCHEME.format(fy=scenario.fy)})
    moment = as_at or timezone.now()
    inputs = allocation_inputs(scenario.fy, scheme=scheme, la=scenario.la, as_at=as_at)
    return scheme, moment, inputs


def _scenario_inputs(scenario: Scenario, inputs):
    """The run's inputs with the scenario's rates. R26: the live scheme's dated
    changes count over them from their dates (an uplift as its percentage over the scenario's
    own rates), so an unedited copy of the live scheme runs to the live figures exactly."""
    rates, band_rates = rates_of(scenario)
    if inputs.rates.rate_changes:
        rates = dataclasses.replace(rates, rate_changes=inputs.rates.rate_changes, _hourly={})
    return dataclasses.replace(inputs, rates=rates, band_rates=band_rates)


# A scenario run reads and builds as much as a live run: as for a live run
# (`funding.run_execution`), the cyclic collector is paused meanwhile (`funding.gc_pause`). It
# reads inside its transaction, so with no reading thread it leaves the switch interval alone.
@cyclic_gc_paused()
@transaction.atomic
def scenario_run(
    *, scenario: Scenario, as_at: dt.datetime | None = None, user=None, note: str = ""
) -> ScenarioRun:
    """Run the scenario on the live data as at `as_at` (default now), and the live scheme on
    the very same data as its baseline: two `ScenarioRun`s, never an `AllocationRun`."""
    scenario = Scenario.objects.select_related("la").get(pk=scenario.pk)
    _validate(scenario)
    scheme, moment, inputs = _inputs(scenario, as_at)
    return _run_on(scenario, scheme, moment, inputs, user=user, note=note)


def _run_on(
    scenario,
    scheme,
    moment,
    inputs,
    *,
    live=None,
    live_seconds=None,
    result=None,
    seconds=None,
    user,
    note="",
):
    """The scenario's run and its baseline on `inputs` already read; `live` (the live scheme's
    result on the same inputs) and `result` (the scenario's) are reused when given, so a
    caller that has them does not run the engine again."""
    try:
        if live is None:
            started = time.perf_counter()
            live = _result(inputs)
            live_seconds = time.perf_counter() - started
        if result is None:
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
    #: Full engine runs of the scenario at a factor (1 unless the confirming run missed the
    #: tolerance and the factor was refined).
    confirming_runs: int = 1

    @property
    def difference(self) -> Decimal:
        return self.run.total - self.target


#: Refinements after a confirming run outside the tolerance (each one more full run).
MAX_REFINEMENTS = 3
OUT_OF_TOLERANCE = (
    "No single factor brings the total within a penny per pupil (£{tolerance:,.2f}) of the "
    "target £{target:,.2f}: the nearest found, × {factor}, gives £{total:,.2f} (£{gap:+,.2f}). "
    "Nothing was changed."
)


def _line_total(result) -> Decimal:
    return sum((line.amount for line in result.lines), Decimal("0"))


# Up to three engine runs on one read of the data: the collector paused as for a scenario run,
# and the thread reading ahead (outside a transaction, `funding.row_reads`) gets the interpreter
# promptly (`funding.thread_switches`).
@cyclic_gc_paused()
@prompt_thread_switches()
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

    The data is read once. The search re-prices each line from its components
    (`calculations.components`: lines grouped by how their amount scales with the rates,
    clamps at zero and caps kept, and each school's Additional SEN Support as the factor moves
    pupils' top-ups across zero, R4+), so it needs one run of the scenario however many
    guesses it takes, and one more at the factor to confirm, whose results are kept (no run
    explains its lines: a scenario run keeps totals, not text). The confirmed total is checked
    against the tolerance again: when it misses (the components are a model of the engine,
    not the engine), the factor is refined from the confirmed total (the model shifted by what
    it missed by), at most `MAX_REFINEMENTS` times; still outside, the solve is refused and
    nothing is saved."""
    if rate_set not in calc.RATE_SETS:
        raise ValidationError({"rate_set": UNKNOWN_RATE_SET})
    scenario = Scenario.objects.select_related("la").get(pk=scenario.pk)
    _validate(scenario)
    started = time.perf_counter()
    # The live data is read once: the live scheme's run on it is the target (unless a budget is
    # given) and the confirming run's baseline; the scenario's run on it gives each line's
    # dependence on the rates (its components), so every guess is an in-memory sum.
    scheme, moment, inputs = _inputs(scenario, as_at)
    # A scenario that is the live scheme with the chosen rates × k (a pay award to make
    # neutral, or an unedited copy to bring to a budget) is the live scheme at k·f: the live
    # run's components are the scenario's, and the scenario need not be run to find them.
    # (Not for data as at a past moment, nor with rates changing in the year: the snapshot of
    # the scheme is then not what the live run used.)
    same_but = (
        calc.uniform_factor(values_from_scheme(scheme), scenario.values, rate_set)
        if as_at is None and not getattr(inputs.rates, "rate_changes", ())
        else None
    )
    try:
        live, live_iar = _run(inputs)
        live_seconds = time.perf_counter() - started
        if same_but is None:
            priced, iar_counts = _run(_scenario_inputs(scenario, inputs))
            comps = calc.components(priced.lines, rate_set, iar_counts)
            del priced
        else:
            comps = calc.components(live.lines, rate_set, live_iar)
            comps.scale = float(same_but)
    except NoSchoolDays as exc:
        raise ValidationError({"financial_year": str(exc)}) from None
    if target is None:
        target = _line_total(live)
    tolerance = calc.penny_per_pupil(comps.pupils)
    try:
        factor = calc.solve_factor(comps, target, tolerance=tolerance)
    except calc.NoFactor as exc:
        raise ValidationError({"target": str(exc)}) from None
    solved = time.perf_counter() - started
    predicted = Decimal(repr(comps.total(float(factor)))).quantize(Decimal("0.01"))
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().select_related("la").get(pk=scenario.pk)
        unscaled = scenario.values
        runs = 0
        while True:
            # An engine run at the factor, on the same inputs, beside the live result.
            scenario.values = calc.scale_values(unscaled, rate_set, factor)
            _validate(scenario)
            run_started = time.perf_counter()
            try:
                result = _result(_scenario_inputs(scenario, inputs))
            except NoSchoolDays as exc:
                raise ValidationError({"financial_year": str(exc)}) from None
            seconds = time.perf_counter() - run_started
            runs += 1
            total = _line_total(result)
            if abs(total - target) <= tolerance or runs > MAX_REFINEMENTS:
                break
            # Refine: the model missed the engine by `missed` at this factor; aim the model
            # at the target less that (a secant step on the engine's total).
            missed = float(total) - comps.total(float(factor))
            try:
                refined = calc.solve_factor(
                    comps, target - Decimal(repr(missed)), tolerance=tolerance
                )
            except calc.NoFactor:
                break
            if refined == factor:
                break
            factor = refined
        if abs(total - target) > tolerance:
            raise ValidationError(
                {
                    "target": OUT_OF_TOLERANCE.format(
                        tolerance=tolerance,
                        target=target,
                        factor=factor,
                        total=total,
                        gap=total - target,
                    )
                }
            )
        _save(scenario, user, f"Cost neutral: {rate_set} × {factor} to meet £{target:,.2f}")
        run = _run_on(
            scenario,
            scheme,
            moment,
            inputs,
            live=live,
            live_seconds=live_seconds,
            result=result,
            seconds=seconds,
            user=user,
            note=f"Cost neutral at × {factor} ({rate_set}) for a target of £{target:,.2f}",
        )
    return CostNeutral(factor, target, tolerance, predicted, run, scenario, solved, runs)
