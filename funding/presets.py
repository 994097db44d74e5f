"""Scheme presets for the five seed authorities (`manage.py load_scheme PRESET --fy YEAR`).

Every figure a seed document gives is used as given and cited ("source"); every figure a seed
does not give is a sensible, clearly marked assumption ("assumed") listed in the scheme's
notes, so an officer knows what to replace with the authority's published rates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal as D

from schools.dates import FinancialYear

SEEDS = {
    "000": "000_122f427ebddec2d6.txt (Hackney, The Learning Trust)",
    "001": "001_c2623e578abadd24.txt (Norfolk)",
    "002": "002_005dbe4287fa7ed5.txt (West Sussex)",
    "003": "003_e93e239b8d699bb9.txt (Torbay)",
    "004": "004_3675315c1ac633ab.txt (Surrey, Horsell C of E Junior School)",
}

# National figures the seeds repeat (002): threshold, place values, FE elements.
NATIONAL = {
    "threshold": D("6000.00"),
    "special_place_amount": D("10000.00"),
    "ssc_occupied_place_amount": D("6000.00"),
    "ssc_unoccupied_place_amount": D("10000.00"),
    "ap_place_amount": D("10000.00"),
    "fe_element_1": D("4000.00"),
    "fe_element_2": D("6000.00"),
    "import_export_rate": D("6000.00"),
}
# Assumed AWPU where a seed gives none: about the national funding formula's 2025-26 basic
# entitlement (well above the R1 floors of £2,000 / £3,000).
NFF_AWPU = {"awpu_primary": D("3847.00"), "awpu_ks3": D("5422.00"), "awpu_ks4": D("6113.00")}
ASSUMED_AWPU = (
    "AWPU assumed (the seed gives none): primary £3,847.00, KS3 £5,422.00, KS4 £6,113.00, about "
    "the 2025-26 national funding formula basic entitlement."
)
# A typical notional SEN formula where a seed names none (assumed).
TYPICAL_SEN_FACTORS = (
    ("awpu", D("5"), None, "assumed: 5% of the AWPU budget"),
    ("fsm", D("50"), D("490.00"), "assumed: 50% of FSM at £490 a pupil"),
    ("idaci", D("50"), D("420.00"), "assumed: 50% of IDACI at £420 a pupil"),
    ("low_prior_attainment", D("100"), D("1170.00"), "assumed: 100% of LPA at £1,170 a pupil"),
)


def _hourly(lsa: str, lst: str, ta: str, weeks: str, note: str, *, lst_primary_delegated=True):
    rows = []
    for phase in ("primary", "secondary"):
        for role, rate in (("lsa", lsa), ("lst", lst), ("ta", ta)):
            delegated = lst_primary_delegated or not (role == "lst" and phase == "primary")
            rows.append((role, phase, D(rate), D(weeks), delegated, note))
    return tuple(rows)


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    seeds: tuple[str, ...]
    fields: dict
    sen_factors: tuple = ()
    hourly_rates: tuple = ()
    ta_bands: tuple = ()
    sources: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    extra: tuple[str, ...] = field(default=())
    #: Rows other apps keep for the scheme, by "app.relation" (e.g. "clusters.psf_rules"): the
    #: field values the preset gives them. A relation not named here has no rows after a load
    #: (the app's reset deletes them; see funding.extensions.register_scheme_reset).
    related: dict = field(default_factory=dict)

    def notes_for(self, fy: FinancialYear) -> str:
        lines = [
            f"Preset '{self.key}' loaded for FY {fy}.",
            "Seeds: " + "; ".join(SEEDS[s] for s in self.seeds) + ".",
            "",
            "From the seeds:",
            *[f"- {s}" for s in self.sources],
            "",
            "ASSUMPTIONS (the seeds give no figure; replace with the LA's published rates):",
            *[f"- {a}" for a in self.assumptions],
        ]
        if self.extra:
            lines += ["", *self.extra]
        return "\n".join(lines)


PRESETS: dict[str, Preset] = {}


def _register(preset: Preset) -> Preset:
    PRESETS[preset.key] = preset
    return preset


_register(
    Preset(
        key="west-sussex",
        title="West Sussex",
        seeds=("002",),
        fields={
            **NATIONAL,
            **NFF_AWPU,
            "additional_sen_support": True,
            "ass_percentage": D("3.00"),
            "ass_amount": D("6000.00"),
            "ass_counting_month": 11,
            "top_up_method": "hourly",
        },
        sen_factors=TYPICAL_SEN_FACTORS,
        hourly_rates=_hourly("15.50", "32.00", "15.50", "39", "assumed rate"),
        sources=(
            "R3 threshold £6,000 met from the notional SEN budget (002).",
            "R4 Additional SEN Support: IAR pupils above 3% of the roll (Reception to Year 11) "
            "funded at £6,000 pro rata, counted in November (002).",
            "R11 special schools £10,000 per planned place; R12 band rates per school (in "
            "schools' special school bands); R13 SSC £6,000 per occupied and £10,000 per "
            "unoccupied planned place (002).",
            "R14 FE element 1 about £4,000 + element 2 £6,000, funded by the ESFA (002).",
            "R7 IAR/personal supplement pro rata by school days left in the financial year (002).",
        ),
        assumptions=(
            ASSUMED_AWPU,
            "Notional SEN formula: 5% AWPU + 50% FSM (£490) + 50% IDACI (£420) + 100% low prior "
            "attainment (£1,170); 002 names the factors but gives no weights.",
            "Hourly rates: LSA and TA £15.50, LST £32.00, 39 weeks a year, all delegated.",
            "APC place value £10,000 (002: 'similar to special schools').",
        ),
    )
)

_register(
    Preset(
        key="torbay",
        title="Torbay",
        seeds=("003",),
        fields={
            **NATIONAL,
            "awpu_primary": D("2806.18"),
            "awpu_ks3": D("3862.65"),
            "awpu_ks4": D("4386.81"),
            "threshold": D("10000.00"),
            "threshold_basis": "total_with_element_1",
            "top_up_method": "hourly",
        },
        sen_factors=(
            ("awpu", D("5"), None, "003: 5% of AWPU"),
            ("fsm", D("50"), D("440.00"), "003: 50% of deprivation (FSM); rate assumed"),
            ("idaci", D("50"), D("300.00"), "003: 50% of deprivation (IDACI); rate assumed"),
            (
                "low_prior_attainment",
                D("100"),
                D("1050.00"),
                "003: 100% of low attainment; rate assumed",
            ),
        ),
        hourly_rates=_hourly("14.00", "28.00", "14.00", "39", "assumed rate"),
        sources=(
            "R1 AWPU 2018-19: primary (KS1-2) £2,806.18, KS3 £3,862.65, KS4 £4,386.81 (003).",
            "R2 notional SEN = 5% of AWPU + 50% of deprivation (FSM + IDACI) + 100% of low "
            "attainment (003).",
            "R3 £10,000 expected from core and notional budget before top-up (003).",
            "R3+ the £10,000 counts the pupil's element 1 too: schools are expected 'to have "
            "spent at least £10,000 out of their core and notional budget' (003), so top-up = "
            "additional cost + the pupil's AWPU - £10,000 (threshold basis: total cost "
            "including element 1).",
        ),
        assumptions=(
            "The AWPU figures are Torbay's 2018-19 rates, used unchanged for this year.",
            "Factor rates per pupil: FSM £440, IDACI £300, low prior attainment £1,050 (about "
            "the 2018-19 national funding formula primary values).",
            "Hourly rates: LSA and TA £14.00, LST £28.00, 39 weeks a year, all delegated.",
            "Place values: the national £10,000 special/AP place, £6,000/£10,000 SSC places.",
        ),
        extra=("High needs block about £80.9m (003): a budget figure for the reports.",),
    )
)

_register(
    Preset(
        key="surrey",
        title="Surrey",
        seeds=("004",),
        fields={**NATIONAL, **NFF_AWPU, "top_up_method": "ta_bands"},
        sen_factors=TYPICAL_SEN_FACTORS,
        ta_bands=(
            ("up to 13 hours", D("0"), D("0.00"), D("0.00"), D("0.00")),
            ("13-19 hours", D("13"), D("0.00"), D("500.00"), D("3000.00")),
            ("20-28 hours", D("20"), D("3000.00"), D("500.00"), D("7000.00")),
            ("29-34 hours", D("29"), D("7000.00"), D("600.00"), D("10000.00")),
            ("35 hours and above", D("35"), D("10000.00"), D("600.00"), None),
        ),
        sources=(
            "R3 threshold £6,000 (004).",
            "R5 top-up by TA hours a week: up to 13 h none; 13-19 h £0-£3,000; 20-28 h "
            "£3,000-£7,000; 29-34 h £7,000-£10,000; 35 h and above £10,000 and above (004).",
        ),
        assumptions=(
            ASSUMED_AWPU,
            "Within each band the amount rises linearly from the band's start: £500 per weekly "
            "hour in 13-19 h and 20-28 h, £600 in 29-34 h and above 35 h (so 19 h = £3,000, "
            "28 h = £7,000, 34 h = £10,000). 004 says the LA sets the amount within a band.",
            "TA-equivalent hours are LSA + LST + TA hours a week.",
            "Notional SEN formula: 5% AWPU + 50% FSM (£490) + 50% IDACI (£420) + 100% low prior "
            "attainment (£1,170).",
            "Place values: the national £10,000 special/AP place, £6,000/£10,000 SSC places.",
        ),
    )
)

_register(
    Preset(
        key="hackney",
        title="Hackney (The Learning Trust)",
        seeds=("000",),
        fields={**NATIONAL, **NFF_AWPU, "threshold": D("0.00"), "top_up_method": "hourly"},
        sen_factors=(
            ("fsm", D("100"), D("350.00"), "000 proxy indicator: FSM; rate assumed"),
            (
                "mobility",
                D("100"),
                D("250.00"),
                "000 proxy indicator: pupil mobility; rate assumed",
            ),
            (
                "english_attainment_below",
                D("100"),
                D("400.00"),
                "000 proxy indicator: English attainment at key stage; rate assumed",
            ),
        ),
        hourly_rates=_hourly(
            "15.00", "30.00", "15.00", "39", "assumed rate", lst_primary_delegated=False
        ),
        sources=(
            "R6 primary: money delegated only for LSA hours; LST hours provided by the Learning "
            "Support Service and retained centrally (000).",
            "R6 secondary: a resource level per pupil, delegated in full; the school buys LSA or "
            "LST time (000). Record it as the support level's resource amount, or as hours.",
            "R7 plans issued in year: hours of support to the end of the financial year (000).",
            "R2 pupils without statements: proxy indicators FSM, pupil mobility, English "
            "attainment at key stage (000).",
        ),
        assumptions=(
            ASSUMED_AWPU,
            "Threshold £0: the seed predates the national £6,000 threshold and delegates the full "
            "cost of statemented LSA hours.",
            "Hourly rates: LSA and TA £15.00, LST £30.00, 39 weeks a year.",
            "Proxy indicator rates: FSM £350, mobility £250, below expected English £400 a pupil.",
        ),
    )
)

_register(
    Preset(
        key="norfolk",
        title="Norfolk",
        seeds=("001",),
        fields={
            **NATIONAL,
            **NFF_AWPU,
            "top_up_method": "hourly",
            "psf_enabled": True,
            "psf_cutover_date": dt.date(2012, 9, 1),
            "top_up_for_plans_after_psf_cutover": False,
        },
        sen_factors=TYPICAL_SEN_FACTORS,
        hourly_rates=_hourly("15.00", "30.00", "15.00", "39", "assumed rate"),
        sources=(
            "R17 no new Pupil Specific Funding for statements issued from September 2012 (001): "
            "cut-over 1 September 2012.",
            "R15/R16 PSF ends at the end of the phase by date of birth, on casual admissions and "
            "nursery to Reception; follows a managed move (001): applied by the clusters module.",
            "R18 released PSF goes to clusters by pupil numbers plus a fixed sum per school.",
            "R17 plans issued on or after the cut-over get no element 3 top-up either: 'from "
            "September 2012 any new Statements of SEN issued, whilst specifying support, will "
            "not generate Pupil Specific Funding. Instead funding will be accessed either via "
            "individual School Specific Allocation funding and/or the new SEN cluster funding' "
            "(001 Q3); 'If a Statement of SEN is issued from September 2012 onwards, there will "
            "not be any Pupil Specific Funding allocated in the current way' (001 Q7).",
            "R15 PSF ends at the end of a phase (nursery, primary, secondary) by date of birth, "
            "not year group (001 Q4, Q5): the scheme's PSF rules.",
        ),
        assumptions=(
            ASSUMED_AWPU,
            "Threshold £6,000 (national; 001 gives none).",
            "PSF and top-up hourly rates: LSA and TA £15.00, LST £30.00, 39 weeks a year.",
            "Notional SEN formula: 5% AWPU + 50% FSM (£490) + 50% IDACI (£420) + 100% low prior "
            "attainment (£1,170).",
        ),
        extra=(
            "001: about £31m of mainstream SEN money; School Specific Allocation (about £15m) "
            "unchanged.",
        ),
        related={
            "clusters.psf_rules": {
                "ends_at_end_of_nursery": True,
                "ends_at_end_of_primary": True,
                "ends_at_end_of_secondary": True,
                "notes": "001 Q3-Q5: PSF ends at the end of nursery, primary (Year 6) and "
                "secondary (Year 11), by date of birth; it follows a managed move (Q6). "
                "Figures not in the seed are the model's defaults.",
            },
        },
    )
)


def preset_names() -> list[str]:
    return sorted(PRESETS)


def get_preset(key: str) -> Preset:
    try:
        return PRESETS[key]
    except KeyError:
        raise KeyError(
            f"Unknown preset {key!r}: choose one of {', '.join(preset_names())}."
        ) from None
