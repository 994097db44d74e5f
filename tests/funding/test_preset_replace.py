"""`load_scheme PRESET --replace`: loading a preset over a scheme starts from nothing.

Issue 12, item 1.2. A preset names only some fields; replacing a scheme first puts EVERY field
back to its model default and deletes or resets every row tied to the scheme (the rate tables of
R2/R5/R6, the clusters app's PSF rules R15-R17 and cluster pot R18), then applies the preset. So a
replaced scheme is exactly the scheme a fresh load of the new preset gives, whatever the old one
held, and every change is in history with the reason "Loaded preset X (replacing ...)".

The comparisons are generic (every concrete field of the scheme and of every model with a foreign
key to it), so a field or table added later is covered without naming it here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import models

from clusters.models import ClusterPot, PsfRules
from funding import services
from funding.extensions import scheme_reset_models
from funding.models import FundingScheme, RunStatus
from funding.presets import preset_names
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db

FY = 2025
#: The scheme's rate tables, reset by funding itself.
FUNDING_TABLES = {
    "funding.NotionalSenFactor",
    "funding.HourlyRate",
    "funding.TaHoursBand",
}
#: Results, not settings: a run stays with its scheme (and keeps its own figures).
RESULTS = {
    "funding.AllocationRun",
    # A scenario is a copy of the scheme taken at a moment, with its runs: editing or
    # replacing the live scheme never touches it (R26).
    "scenarios.Scenario",
    "scenarios.ScenarioRun",
    # Dated rate changes (an adopted uplift, R26) may already have been paid (R24): a scheme
    # that has any is never replaced by a preset (test below), so none is ever reset.
    "funding.SchemeRateChange",
}
#: Which scheme and year a scheme is, and its bookkeeping: never reset by a load.
NOT_COMPARED = {"id", "la", "updated_at"}


# ---- generic snapshots -----------------------------------------------------------------------


def _editable(model: type[models.Model], skip=()) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in {"updated_at", *skip}
    ]


def scheme_fields(scheme: FundingScheme) -> dict:
    scheme = FundingScheme.objects.get(pk=scheme.pk)
    return {f.attname: getattr(scheme, f.attname) for f in _editable(FundingScheme, NOT_COMPARED)}


def scheme_relations() -> list:
    return [rel for rel in FundingScheme._meta.related_objects if rel.related_model]


def related_rows(scheme: FundingScheme) -> dict[str, list]:
    """Every row of every model tied to the scheme (runs aside), as sorted field values."""
    rows = {}
    for rel in scheme_relations():
        model = rel.related_model
        if model._meta.label in RESULTS:
            continue
        fields = _editable(model, {rel.field.name})
        found = model.objects.filter(**{rel.field.name: scheme})
        rows[model._meta.label] = sorted(
            repr([(f.attname, getattr(row, f.attname)) for f in fields]) for row in found
        )
    return rows


def _other_value(field: models.Field, value):
    """A value for `field` other than `value` that still satisfies the database."""
    if field.choices:
        return next(choice for choice, _label in field.flatchoices if choice != value)
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DecimalField):
        return D("12.34") if value is None else value + 1
    if isinstance(field, models.IntegerField):
        return 2 if value != 2 else 3
    if isinstance(field, models.DateField):
        return dt.date(2020, 1, 6) if value is None else value + dt.timedelta(days=1)
    if isinstance(field, models.JSONField):
        return []
    if isinstance(field, (models.CharField, models.TextField)):
        return f"{value} (edited by hand)"[: field.max_length or None]
    raise AssertionError(f"No test value for {field!r}")


def edit_by_hand(instance: models.Model, skip=()) -> models.Model:
    """Change every editable field, as an officer editing everything might."""
    for f in _editable(type(instance), {"scheme", "la", "financial_year", *skip}):
        if f.editable and not f.is_relation:
            setattr(instance, f.attname, _other_value(f, getattr(instance, f.attname)))
    instance.save()
    return instance


def load(preset: str, la, *, replace=False) -> FundingScheme:
    return services.scheme_load_preset(preset=preset, financial_year=FY, la=la, replace=replace)


def lived_in(preset: str, la) -> FundingScheme:
    """A scheme loaded from `preset`, then every field, PSF rule and pot figure edited."""
    scheme = edit_by_hand(load(preset, la))
    edit_by_hand(PsfRules.objects.get_or_create(scheme=scheme)[0])
    edit_by_hand(ClusterPot.objects.get_or_create(scheme=scheme)[0])
    return scheme


# ---- every preset over every other -----------------------------------------------------------


@pytest.mark.parametrize("new", preset_names())
@pytest.mark.parametrize("old", preset_names())
def test_replacing_gives_exactly_a_fresh_load_of_the_new_preset(home_la, other_la, old, new):
    """Issue 12 item 1.2: after `--replace`, nothing of the old scheme survives: every field,
    rate-table row, PSF rule and cluster pot equals a fresh load of the new preset (loaded for
    another LA, so only the LA differs)."""
    lived_in(old, home_la)
    replaced = load(new, home_la, replace=True)
    fresh = load(new, other_la)

    assert scheme_fields(replaced) == scheme_fields(fresh)
    assert related_rows(replaced) == related_rows(fresh)


def test_every_row_tied_to_a_scheme_is_reset_by_a_preset_load():
    """A model with a foreign key to FundingScheme must be reset by funding (its rate tables),
    by its app's registered reset (funding.extensions.register_scheme_reset), or be a result
    that stays with the scheme (runs): otherwise a replaced scheme would keep it."""
    tied = {rel.related_model._meta.label for rel in scheme_relations()}
    looked_after = FUNDING_TABLES | scheme_reset_models() | RESULTS
    assert tied - looked_after == set()
    assert {"clusters.PsfRules", "clusters.ClusterPot"} <= scheme_reset_models()


def test_replacing_keeps_who_and_why_in_history(home_la):
    """Nothing is lost: the scheme, its deleted rate rows and its deleted cluster pot each get a
    history record with the reason "Loaded preset hackney (replacing preset west-sussex: ...)"."""
    scheme = load("west-sussex", home_la)
    pot = ClusterPot.objects.create(scheme=scheme, base_amount=D("50000.00"))
    rate = scheme.hourly_rates.first()

    load("hackney", home_la, replace=True)

    reason = "Loaded preset hackney (replacing preset west-sussex: West Sussex FY 2025-26)"
    assert scheme.history.latest().history_change_reason == reason
    gone = ClusterPot.history.filter(id=pot.pk, history_type="-").get()
    assert gone.history_change_reason == reason
    assert rate.history.filter(history_type="-").get().history_change_reason == reason
    assert not ClusterPot.objects.filter(scheme=scheme).exists()


def test_norfolk_replaced_by_surrey_has_no_psf_and_pays_top_up_for_new_plans(home_la):
    """R15-R17 switches do not survive: Surrey has no PSF, no PSF rules, and plans issued after
    Norfolk's 1 September 2012 cut-over get element 3 top-up again."""
    norfolk = load("norfolk", home_la)
    assert (norfolk.psf_enabled, norfolk.top_up_for_plans_after_psf_cutover) == (True, False)
    assert PsfRules.objects.filter(scheme=norfolk).exists()

    surrey = load("surrey", home_la, replace=True)

    assert (surrey.psf_enabled, surrey.psf_cutover_date) == (False, None)
    assert surrey.top_up_for_plans_after_psf_cutover is True
    assert not PsfRules.objects.filter(scheme=surrey).exists()


# ---- the example: Hackney over West Sussex -------------------------------------------


def _run():
    run = services.run_allocation(fy=FY, kind="initial")
    assert run.status == RunStatus.DONE, run.error
    return run


def test_r4_hackney_over_west_sussex_pays_no_additional_sen_support(home_la, fy2025_terms):
    """R4 is West Sussex's rule only. A primary with a roll of 70 (10 in each of Reception to
    Year 6) and 3 pupils with a plan and a top-up: under West Sussex, 3% of 70 = 2.1 IAR pupils
    are expected, 3 - 2.1 = 0.9 above × £6,000 = £5,400.00 of Additional SEN Support. Loaded
    over it, Hackney (no R4) pays none."""
    meadow = b.school(home_la, "Meadow Primary")
    for census_on in (dt.date(2024, 10, 3), dt.date(2025, 1, 16), dt.date(2025, 11, 6)):
        b.census(meadow, census_on, **b.primary_roll(10), ehc_plans=3)
    for _ in range(3):
        child = b.pupil(home_la)
        b.place(child, meadow)
        # 20 h LSA × £15.50 × 39 = £12,090 - £6,000 = £6,090 top-up under West Sussex
        b.plan(child, lsa=20)

    load("west-sussex", home_la)
    [line] = b.lines_of(_run(), school=meadow, element="additional_sen_support")
    assert line.amount == D("5400.00")

    load("hackney", home_la, replace=True)
    assert b.lines_of(_run(), element="additional_sen_support") == []


# ---- the management command ------------------------------------------------------------------


def test_load_scheme_replace_command_resets_the_scheme(home_la, other_la):
    """`manage.py load_scheme hackney --fy 2025 --replace` over a hand-edited West Sussex scheme
    gives exactly a fresh Hackney scheme; without --replace it refuses."""
    lived_in("west-sussex", home_la)
    with pytest.raises(CommandError, match="already has a scheme for FY 2025-26"):
        call_command("load_scheme", "hackney", "--fy", "2025", stdout=StringIO())

    call_command("load_scheme", "hackney", "--fy", "2025", "--replace", stdout=StringIO())

    replaced = FundingScheme.objects.get(la=home_la, financial_year=FY)
    fresh = load("hackney", other_la)
    assert replaced.additional_sen_support is False
    assert scheme_fields(replaced) == scheme_fields(fresh)
    assert related_rows(replaced) == related_rows(fresh)


# ---- the presets' convention fields (DOMAIN.md conventions) ---------------------------------


def test_r3_torbay_preset_threshold_counts_the_pupils_element_1(home_la):
    """R3+ (seed 003): Torbay's £10,000 is spent "out of their core and notional budget", so it
    counts the pupil's AWPU too (20 h × £14 × 39 = £10,920 + £2,806.18 − £10,000 = £3,726.18)."""
    torbay = load("torbay", home_la)
    assert (torbay.threshold, torbay.threshold_basis) == (D("10000.00"), "total_with_element_1")
    assert "core and notional budget' (003)" in torbay.notes


def test_r17_norfolk_preset_pays_no_top_up_for_plans_after_the_cut_over(home_la):
    """R17 (seed 001 Q3, Q7): statements issued from September 2012 get no pupil-specific money;
    funding comes through the School Specific Allocation and the clusters."""
    norfolk = load("norfolk", home_la)
    assert norfolk.psf_cutover_date == dt.date(2012, 9, 1)
    assert norfolk.top_up_for_plans_after_psf_cutover is False
    assert "(001 Q3)" in norfolk.notes and "(001 Q7)" in norfolk.notes
    rules = PsfRules.objects.get(scheme=norfolk)
    assert (rules.ends_at_end_of_nursery, rules.ends_at_end_of_primary) == (True, True)


def test_r26_a_scheme_with_an_adopted_uplift_is_not_replaced_by_a_preset(home_la):
    """Money history is superseded, never deleted: an uplift adopted from 1 Nov may already
    have been paid, so replacing the scheme by a preset (which deletes its rate rows) is
    refused, and the dated change is kept."""
    from django.core.exceptions import ValidationError

    from funding.models import SchemeRateChange

    scheme = load("hackney", home_la)
    SchemeRateChange.objects.create(
        scheme=scheme,
        financial_year=FY,
        effective_from=dt.date(FY, 11, 1),
        rate_set="hourly",
        percent=Decimal("3"),
        reason="Pay award",
    )
    with pytest.raises(ValidationError, match="cannot be replaced by a preset"):
        load("surrey", home_la, replace=True)
    assert SchemeRateChange.objects.filter(scheme=scheme).count() == 1
    assert FundingScheme.objects.get(pk=scheme.pk).preset == "hackney"
