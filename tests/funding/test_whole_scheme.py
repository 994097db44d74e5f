"""Whole-scheme checks (issue section 3): each preset loaded fresh, run on one small LA with
every kind of school and every kind of in-year change, every line compared with a hand-worked
list (school, pupil, element, period, amount, route, payer).

The LA (999, `build_la`), the same for every preset:
- Ash Primary (community, maintained): October 2024 census 70 pupils (10 in each of
  Reception-Y6), FSM 10, IDACI 10, low prior attainment 5, mobile 4, below expected in
  English 6; November 2025 census the same 70 (the R4 roll).
- Beech Academy (secondary academy) with an SSC: October 2024 census 10 in each of Y7-Y11
  (KS3 30, KS4 20), FSM 6, LPA 4; SSC places 2024/25 8 (6 occupied), 2025/26 8 (8 occupied).
- Cherry Nursery School (maintained nursery): a census of 20 nursery pupils, never funded
  by the schools-block formula (R1+).
- Dale Special (community special): 20 places in 2024/25, 24 in 2025/26; band 1 £8,000,
  band 3 £14,000 (R12).
- Fir APC (AP/PRU): 6 AP places in both academic years.
- Grove College (FE): 3 high-needs places in 2024/25, 4 in 2025/26.
- Hill House (independent special): band 2 £30,000; no places.
- Old Mill Primary (community): closes 31 Aug 2025; October 2024 census 35 (5 a year), FSM 4.
- Neighbour Primary belongs to 888 (no school lines of ours).
Pupils (plans issued 1 Sep 2024 unless said; LSA/LST hours a week):
- steady: Ash, LSA 20 + LST 2, all year.          - theirs: home LA 888, Ash, LSA 25.
- placed_out: ours at Neighbour Primary, LSA 22.    - joiner: joins Ash 3 Nov 2025, LSA 25.
- leaver: Beech (Y10-Y11), LSA 30, leaves 31 Dec.   - changed: Ash, LSA 16, 24.25 from 1 Jan.
- house_move: Ash, LSA 20, home LA 999 -> 888 on 1 Jan 2026 (R8+).
- mover: Old Mill to 31 Aug (it closes), Ash from 1 Sep, LSA 18.
- nursery_child: Cherry Nursery (nursery age all year), LSA 15.
- band3: Dale, band 3.                              - banded_up: Dale, band 1, band 3 from 1 Jan.
- hill: Hill House, band 2.
- student: Grove College (Y12-Y13), LSA 12 on a statement of 1 Sep 2011 (before Norfolk's
  PSF cut-over).

FY 2025-26 in the test calendar (tests/conftest.py) has 188 school days: 1 Apr-31 Aug 60,
1 Sep-31 Mar 128, 1 Apr-31 Dec 133, 1 Jan-31 Mar 55, 3 Nov-31 Mar 90.
Place funding is 5/12 of 2024/25 + 7/12 of 2025/26 (R11+), the same national values in every
preset: special and AP £10,000 a place, SSC £6,000 occupied / £10,000 unoccupied, FE £4,000 +
£6,000 (ESFA, no LA payer).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funding import services
from funding.models import RunStatus
from funding.presets import PRESETS
from pupils.services import pupil_home_la_change
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db
OCT = dt.date(2024, 10, 3)
NOV = dt.date(2025, 11, 6)
JAN = dt.date(2026, 1, 1)
FY_START, FY_END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
AUG, SEP = dt.date(2025, 8, 31), dt.date(2025, 9, 1)
DEC = dt.date(2025, 12, 31)
NOV3 = dt.date(2025, 11, 3)

ASH, BEECH, CHERRY, DALE = "Ash Primary", "Beech Academy", "Cherry Nursery School", "Dale Special"
FIR, GROVE, HILL, MILL = "Fir APC", "Grove College", "Hill House", "Old Mill Primary"
NEIGHBOUR = "Neighbour Primary"
YEAR = (FY_START, FY_END)
TO_AUG, FROM_SEP = (FY_START, AUG), (SEP, FY_END)
TO_DEC, FROM_JAN = (FY_START, DEC), (JAN, FY_END)


def build_la(home_la, other_la) -> dict:
    """The LA above; returns the pupils by label."""
    ash = b.school(home_la, ASH)
    factors = dict(fsm=10, idaci=10, low_prior_attainment=5, mobility=4, english_attainment_below=6)
    b.census(ash, OCT, **b.primary_roll(10), **factors)
    b.census(ash, NOV, **b.primary_roll(10))
    beech = b.school(home_la, BEECH, phase="secondary", kind="academy")
    years = {f"year_{y}": 10 for y in range(7, 12)}
    b.census(beech, OCT, **years, fsm=6, low_prior_attainment=4)
    b.census(beech, NOV, **years)
    b.places(beech, "ssc", {2024: (8, 6), 2025: (8, 8)})
    cherry = b.school(home_la, CHERRY, phase="nursery", kind="nursery")
    b.census(cherry, OCT, nursery=20)
    dale = b.special_school(home_la, DALE)
    b.places(dale, "special_school", {2024: (20, 18), 2025: (24, 20)})
    b.band_rates(dale, {1: "8000.00", 3: "14000.00"})
    fir = b.school(home_la, FIR, phase="not_applicable", kind="ap_pru")
    b.places(fir, "ap", {2024: (6, 5), 2025: (6, 6)})
    grove = b.school(home_la, GROVE, phase="16_plus", kind="fe_college")
    b.places(grove, "fe", {2024: (3, 3), 2025: (4, 4)})
    hill = b.school(home_la, HILL, phase="all_through", kind="independent_special")
    b.band_rates(hill, {2: "30000.00"})
    mill = b.school(home_la, MILL)
    mill.closed_on, mill.status = AUG, "closed"
    mill.save()
    b.census(mill, OCT, **b.primary_roll(5), fsm=4)
    neighbour = b.school(other_la, NEIGHBOUR)

    pupils = {}

    def pupil(label, home=home_la, dob=dt.date(2016, 3, 14)):
        pupils[label] = p = b.pupil(home, dob=dob)
        return p

    p = pupil("steady")
    b.place(p, ash)
    b.plan(p, lsa=20, lst=2)
    p = pupil("theirs", home=other_la)
    b.place(p, ash)
    b.plan(p, lsa=25)
    p = pupil("placed_out")
    b.place(p, neighbour)
    b.plan(p, lsa=22)
    p = pupil("joiner")
    b.place(p, ash, starts_on=NOV3)
    b.plan(p, lsa=25)
    p = pupil("leaver", dob=dt.date(2010, 1, 1))
    b.place(p, beech, ends_on=DEC)
    b.plan(p, lsa=30)
    p = pupil("changed")
    b.place(p, ash)
    b.change_support(b.plan(p, lsa=16), JAN, lsa="24.25")
    p = pupil("house_move")
    b.place(p, ash)
    b.plan(p, lsa=20)
    pupil_home_la_change(pupil=p, la=other_la, from_date=JAN, reason="moved to 888")
    p = pupil("mover")
    b.place(p, mill, ends_on=AUG)
    b.place(p, ash, starts_on=SEP)
    b.plan(p, lsa=18)
    p = pupil("nursery_child", dob=dt.date(2021, 10, 1))
    b.place(p, cherry)
    b.plan(p, lsa=15)
    p = pupil("band3", dob=dt.date(2012, 5, 1))
    b.place(p, dale, kind="special_school")
    b.plan(p, band=3)
    p = pupil("banded_up", dob=dt.date(2013, 5, 1))
    b.place(p, dale, kind="special_school")
    b.change_support(b.plan(p, band=1), JAN, band=3)
    p = pupil("hill", dob=dt.date(2011, 6, 1))
    b.place(p, hill, kind="special_school")
    b.plan(p, band=2)
    p = pupil("student", dob=dt.date(2008, 5, 1))
    b.place(p, grove)
    b.plan(p, issued_on=dt.date(2011, 9, 1), lsa=12)
    return pupils


def actual_lines(run, pupils: dict) -> list[tuple]:
    label = {p.pk: name for name, p in pupils.items()}
    rows = [
        (
            line.school.name,
            label.get(line.pupil_id),
            line.element,
            (line.period_from, line.period_to),
            line.amount,
            line.route,
            line.payer_la.code if line.payer_la else None,
        )
        for line in run.lines.select_related("school", "payer_la")
    ]
    return sorted(rows, key=_order)


def _order(row: tuple) -> tuple:
    return tuple("" if x is None else str(x) for x in row)


def s(school, element, period, amount, route="la", payer="999"):
    """A school-level line."""
    return (school, None, element, period, D(amount), route, payer)


def p(school, pupil, period, amount, route="la", payer="999"):
    """A pupil's top-up line."""
    return (school, pupil, "top_up", period, D(amount), route, payer)


# ---- the same in every preset ---------------------------------------------------------------

PLACES = [
    # Dale (R11): 20 × £10,000 = £200,000 × 5/12 = 83,333.333 -> £83,333.33;
    #   24 × £10,000 = £240,000 × 7/12 = £140,000.00
    s(DALE, "place", TO_AUG, "83333.33"),
    s(DALE, "place", FROM_SEP, "140000.00"),
    # Beech's SSC (R13), an academy's so through the ESFA (R25): 2024/25 6 × £6,000 + 2 ×
    #   £10,000 = £56,000 × 5/12 = 23,333.333 -> £23,333.33; 2025/26 8 × £6,000 = £48,000 ×
    #   7/12 = £28,000.00
    s(BEECH, "place", TO_AUG, "23333.33", "esfa"),
    s(BEECH, "place", FROM_SEP, "28000.00", "esfa"),
    # Fir (R14): 6 × £10,000 = £60,000 × 5/12 = £25,000.00 and × 7/12 = £35,000.00
    s(FIR, "place", TO_AUG, "25000.00"),
    s(FIR, "place", FROM_SEP, "35000.00"),
    # Grove (R14, ESFA, no LA payer): 3 × (£4,000 + £6,000) = £30,000 × 5/12 = £12,500.00;
    #   4 × £10,000 = £40,000 × 7/12 = 23,333.333 -> £23,333.33
    s(GROVE, "place", TO_AUG, "12500.00", "esfa", None),
    s(GROVE, "place", FROM_SEP, "23333.33", "esfa", None),
]

# R11+: an initial run funds the special schools' January occupancy by band (16 Jan 2025, the
# third Thursday: no January census): Dale band 1 (banded_up) £8,000 and band 3 (band3)
# £14,000; Hill House band 2 (hill) £30,000; each for the whole year, paid by us.
JANUARY_OCCUPANCY = [
    s(DALE, "top_up", YEAR, "8000.00"),
    s(DALE, "top_up", YEAR, "14000.00"),
    s(HILL, "top_up", YEAR, "30000.00"),
]

# Revised: the top-up follows the child (R11+, R12): band3 £14,000 all year; banded_up band 1
# £8,000 × 133/188 = 5,659.574 -> £5,659.57 then band 3 £14,000 × 55/188 = 4,095.744 ->
# £4,095.74, the year's exact 9,755.319 -> £9,755.32: the missing penny to the larger remainder
# (.744 > .574) -> £4,095.75; hill £30,000.
SPECIAL_FOLLOWING_THE_CHILD = [
    p(DALE, "band3", YEAR, "14000.00"),
    p(DALE, "banded_up", TO_DEC, "5659.57"),
    p(DALE, "banded_up", FROM_JAN, "4095.75"),
    p(HILL, "hill", YEAR, "30000.00"),
]


def nff_school_lines(ash_notional, beech_notional, mill_notional) -> list:
    """Element 1 at the presets' assumed AWPU £3,847 / £5,422 / £6,113 (NFF_AWPU), October
    2024 census (R1+); notional SEN per preset."""
    return [
        # Ash: 70 × £3,847 = £269,290.00
        s(ASH, "element_1", YEAR, "269290.00"),
        s(ASH, "notional_sen", YEAR, ash_notional),
        # Beech (academy: ESFA, R25): 30 × £5,422 = £162,660.00; 20 × £6,113 = £122,260.00
        s(BEECH, "element_1", YEAR, "162660.00", "esfa"),
        s(BEECH, "element_1", YEAR, "122260.00", "esfa"),
        s(BEECH, "notional_sen", YEAR, beech_notional, "esfa"),
        # Old Mill, open to 31 Aug (R1+): 35 × £3,847 = £134,645 × 60/188 = 42,971.808
        #   -> £42,971.81
        s(MILL, "element_1", TO_AUG, "42971.81"),
        s(MILL, "notional_sen", TO_AUG, mill_notional),
    ]


# ---- West Sussex (002): LSA/TA £15.50, LST £32.00, 39 weeks, £6,000 threshold, R4 on ------------

WEST_SUSSEX = [
    *nff_school_lines(
        # Ash: 5% × 269,290 = 13,464.50 + 50% × 10 × £490 = 2,450 + 50% × 10 × £420 = 2,100
        #   + 100% × 5 × £1,170 = 5,850 = £23,864.50
        "23864.50",
        # Beech: 5% × 284,920 = 14,246 + 50% × 6 × £490 = 1,470 + 100% × 4 × £1,170 = 4,680
        #   = £20,396.00
        "20396.00",
        # Old Mill: 5% × 134,645 = 6,732.25 + 50% × 4 × £490 = 980 = £7,712.25 × 60/188
        #   = 2,461.356 -> £2,461.36
        "2461.36",
    ),
    # R4 (R4+: our records on 1 Nov 2025): steady, theirs, changed, house_move, mover = 5 IAR
    #   pupils at Ash (joiner arrives 3 Nov); 3% of the November roll of 70 = 2.1; 2.9 above ×
    #   £6,000 = £17,400.00. Beech: 1 (leaver) ≤ 3% of 50 = 1.5: no line.
    s(ASH, "additional_sen_support", YEAR, "17400.00"),
    *PLACES,
    # steady: LSA 20 × 15.50 × 39 = 12,090 + LST 2 × 32 × 39 = 2,496 − 6,000 = £8,586.00
    p(ASH, "steady", YEAR, "8586.00"),
    # theirs: 25 × 15.50 × 39 = 15,112.50 − 6,000 = £9,112.50, billed to 888 (R8)
    p(ASH, "theirs", YEAR, "9112.50", "other_la", "888"),
    # placed_out: 22 × 604.50 = 13,299 − 6,000 = £7,299.00, ours to pay at 888's school
    p(NEIGHBOUR, "placed_out", YEAR, "7299.00"),
    # joiner: £9,112.50 × 90/188 = 4,362.367 -> £4,362.37
    p(ASH, "joiner", (NOV3, FY_END), "4362.37"),
    # leaver: 30 × 604.50 = 18,135 − 6,000 = £12,135 × 133/188 = 8,584.867 -> £8,584.87
    p(BEECH, "leaver", TO_DEC, "8584.87"),
    # changed: 16 h 9,672 − 6,000 = £3,672 × 133/188 = 2,597.7446; 24.25 h 24.25 × 604.50
    #   = 14,659.125 − 6,000 = £8,659.125 a year (unrounded, R7+) × 55/188 = 2,533.2546; the
    #   year's exact 5,130.9992 -> £5,131.00, floors 2,597.74 + 2,533.25 = 5,130.99: the
    #   missing penny to the larger remainder (.4680 > .4654), the first (plain rounding of
    #   each would lose it)
    p(ASH, "changed", TO_DEC, "2597.75"),
    p(ASH, "changed", FROM_JAN, "2533.25"),
    # house_move: £6,090 × 133/188 = 4,308.351 -> £4,308.35 to us; × 55/188 = 1,781.648
    #   -> £1,781.65 billed to 888 from 1 Jan (R8+)
    p(ASH, "house_move", TO_DEC, "4308.35"),
    p(ASH, "house_move", FROM_JAN, "1781.65", "other_la", "888"),
    # mover: 18 × 604.50 = 10,881 − 6,000 = £4,881 × 60/188 = 1,557.765 -> £1,557.77 at Old
    #   Mill; × 128/188 = 3,323.234 -> £3,323.23 at Ash
    p(MILL, "mover", TO_AUG, "1557.77"),
    p(ASH, "mover", FROM_SEP, "3323.23"),
    # nursery_child (primary rates): 15 × 604.50 = 9,067.50 − 6,000 = £3,067.50
    p(CHERRY, "nursery_child", YEAR, "3067.50"),
    # student (secondary rates): 12 × 604.50 = 7,254 − 6,000 = £1,254.00
    p(GROVE, "student", YEAR, "1254.00"),
]


# ---- Torbay (003): AWPU £2,806.18 / £3,862.65 / £4,386.81, LSA/TA £14, LST £28, 39 weeks, -------
# a £10,000 threshold on the total cost including the pupil's element 1 (R3+)

TORBAY = [
    # Ash: 70 × £2,806.18 = £196,432.60; notional 5% × 196,432.60 = 9,821.63 + 50% × 10 ×
    #   £440 = 2,200 + 50% × 10 × £300 = 1,500 + 100% × 5 × £1,050 = 5,250 = £18,771.63
    s(ASH, "element_1", YEAR, "196432.60"),
    s(ASH, "notional_sen", YEAR, "18771.63"),
    # Beech: 30 × £3,862.65 = £115,879.50; 20 × £4,386.81 = £87,736.20; notional 5% ×
    #   203,615.70 = 10,180.785 + 50% × 6 × £440 = 1,320 + 100% × 4 × £1,050 = 4,200
    #   = 15,700.785 -> £15,700.79
    s(BEECH, "element_1", YEAR, "115879.50", "esfa"),
    s(BEECH, "element_1", YEAR, "87736.20", "esfa"),
    s(BEECH, "notional_sen", YEAR, "15700.79", "esfa"),
    # Old Mill: 35 × £2,806.18 = £98,216.30 × 60/188 = 31,345.627 -> £31,345.63; notional
    #   5% × 98,216.30 = 4,910.815 + 50% × 4 × £440 = 880 = £5,790.815 × 60/188 = 1,848.132
    #   -> £1,848.13
    s(MILL, "element_1", TO_AUG, "31345.63"),
    s(MILL, "notional_sen", TO_AUG, "1848.13"),
    *PLACES,
    # steady (Y4-Y5, AWPU primary): 20 × 14 × 39 = 10,920 + 2 × 28 × 39 = 2,184 + 2,806.18
    #   − 10,000 = £5,910.18
    p(ASH, "steady", YEAR, "5910.18"),
    # theirs: 25 × 546 = 13,650 + 2,806.18 − 10,000 = £6,456.18, billed to 888
    p(ASH, "theirs", YEAR, "6456.18", "other_la", "888"),
    # placed_out: 22 × 546 = 12,012 + 2,806.18 − 10,000 = £4,818.18
    p(NEIGHBOUR, "placed_out", YEAR, "4818.18"),
    # joiner: £6,456.18 × 90/188 = 3,090.724 -> £3,090.72
    p(ASH, "joiner", (NOV3, FY_END), "3090.72"),
    # leaver (Y10-Y11, AWPU KS4): 30 × 546 = 16,380 + 4,386.81 − 10,000 = £10,766.81
    #   × 133/188 = 7,616.946 -> £7,616.95
    p(BEECH, "leaver", TO_DEC, "7616.95"),
    # changed: 16 × 546 = 8,736 + 2,806.18 − 10,000 = £1,542.18 × 133/188 = 1,091.012
    #   -> £1,091.01; 24.25 × 546 = 13,240.50 + 2,806.18 − 10,000 = £6,046.68 × 55/188
    #   = 1,768.976 -> £1,768.98
    p(ASH, "changed", TO_DEC, "1091.01"),
    p(ASH, "changed", FROM_JAN, "1768.98"),
    # house_move: 20 × 546 = 10,920 + 2,806.18 − 10,000 = £3,726.18 × 133/188 = 2,636.073
    #   -> £2,636.07 (us); × 55/188 = 1,090.106 -> £1,090.11 (888)
    p(ASH, "house_move", TO_DEC, "2636.07"),
    p(ASH, "house_move", FROM_JAN, "1090.11", "other_la", "888"),
    # mover: 18 × 546 = 9,828 + 2,806.18 − 10,000 = £2,634.18 × 60/188 = 840.695 -> £840.70;
    #   × 128/188 = 1,793.484 -> £1,793.48
    p(MILL, "mover", TO_AUG, "840.70"),
    p(ASH, "mover", FROM_SEP, "1793.48"),
    # nursery_child: 15 × 546 = 8,190, no AWPU at nursery age, within £10,000: a £0.00 line
    p(CHERRY, "nursery_child", YEAR, "0.00"),
    # student: 12 × 546 = 6,552, no AWPU in the sixth form: £0.00
    p(GROVE, "student", YEAR, "0.00"),
]

# The typical notional SEN formula (West Sussex, Surrey, Norfolk): as worked for West Sussex.
TYPICAL_SCHOOL_LINES = nff_school_lines("23864.50", "20396.00", "2461.36")

# ---- Surrey (004): top-up by TA-equivalent hours (LSA + LST + TA) bands ------------------------

SURREY = [
    *TYPICAL_SCHOOL_LINES,
    *PLACES,
    # steady: 22 h, band 20-28: £3,000 + 2 × £500 = £4,000.00
    p(ASH, "steady", YEAR, "4000.00"),
    # theirs: 25 h: £3,000 + 5 × £500 = £5,500.00, billed to 888
    p(ASH, "theirs", YEAR, "5500.00", "other_la", "888"),
    # placed_out: 22 h: £4,000.00
    p(NEIGHBOUR, "placed_out", YEAR, "4000.00"),
    # joiner: £5,500 × 90/188 = 2,632.978 -> £2,632.98
    p(ASH, "joiner", (NOV3, FY_END), "2632.98"),
    # leaver: 30 h, band 29-34: £7,000 + 1 × £600 = £7,600 × 133/188 = 5,376.595 -> £5,376.60
    p(BEECH, "leaver", TO_DEC, "5376.60"),
    # changed: 16 h, band 13-19: 3 × £500 = £1,500 × 133/188 = 1,061.170 -> £1,061.17;
    #   24.25 h: £3,000 + 4.25 × £500 = £5,125 × 55/188 = 1,499.335 -> £1,499.34
    p(ASH, "changed", TO_DEC, "1061.17"),
    p(ASH, "changed", FROM_JAN, "1499.34"),
    # house_move: 20 h: £3,000 × 133/188 = 2,122.340 -> £2,122.34; × 55/188 = 877.659 -> £877.66
    p(ASH, "house_move", TO_DEC, "2122.34"),
    p(ASH, "house_move", FROM_JAN, "877.66", "other_la", "888"),
    # mover: 18 h: 5 × £500 = £2,500 × 60/188 = 797.872 -> £797.87; × 128/188 = 1,702.127
    #   -> £1,702.13
    p(MILL, "mover", TO_AUG, "797.87"),
    p(ASH, "mover", FROM_SEP, "1702.13"),
    # nursery_child: 15 h: 2 × £500 = £1,000.00
    p(CHERRY, "nursery_child", YEAR, "1000.00"),
    # student: 12 h, up to 13 h: £0.00
    p(GROVE, "student", YEAR, "0.00"),
]

# ---- Hackney (000): LSA/TA £15, LST £30, 39 weeks, no threshold; primary LST retained (R6) -----

HACKNEY = [
    *nff_school_lines(
        # Ash, proxy indicators: 10 FSM × £350 = 3,500 + 4 mobile × £250 = 1,000 + 6 below
        #   expected in English × £400 = 2,400 = £6,900.00
        "6900.00",
        # Beech: 6 FSM × £350 = £2,100.00
        "2100.00",
        # Old Mill: 4 FSM × £350 = £1,400 × 60/188 = 446.808 -> £446.81
        "446.81",
    ),
    *PLACES,
    # steady: LSA 20 × 15 × 39 = £11,700.00 delegated; LST 2 × 30 × 39 = £2,340.00 retained
    p(ASH, "steady", YEAR, "11700.00"),
    p(ASH, "steady", YEAR, "2340.00", "retained"),
    # theirs: 25 × 585 = £14,625.00, billed to 888
    p(ASH, "theirs", YEAR, "14625.00", "other_la", "888"),
    # placed_out: 22 × 585 = £12,870.00
    p(NEIGHBOUR, "placed_out", YEAR, "12870.00"),
    # joiner: £14,625 × 90/188 = 7,001.329 -> £7,001.33
    p(ASH, "joiner", (NOV3, FY_END), "7001.33"),
    # leaver (secondary: LSA delegated): 30 × 585 = £17,550 × 133/188 = 12,415.691
    #   -> £12,415.69
    p(BEECH, "leaver", TO_DEC, "12415.69"),
    # changed: 16 × 585 = £9,360 × 133/188 = 6,621.702 -> £6,621.70; 24.25 × 585 = £14,186.25
    #   × 55/188 = 4,150.233 -> £4,150.23
    p(ASH, "changed", TO_DEC, "6621.70"),
    p(ASH, "changed", FROM_JAN, "4150.23"),
    # house_move: £11,700 × 133/188 = 8,277.127 -> £8,277.13; × 55/188 = 3,422.872 -> £3,422.87
    p(ASH, "house_move", TO_DEC, "8277.13"),
    p(ASH, "house_move", FROM_JAN, "3422.87", "other_la", "888"),
    # mover: 18 × 585 = £10,530 × 60/188 = 3,360.638 -> £3,360.64; × 128/188 = 7,169.361
    #   -> £7,169.36
    p(MILL, "mover", TO_AUG, "3360.64"),
    p(ASH, "mover", FROM_SEP, "7169.36"),
    # nursery_child: 15 × 585 = £8,775.00
    p(CHERRY, "nursery_child", YEAR, "8775.00"),
    # student: 12 × 585 = £7,020.00
    p(GROVE, "student", YEAR, "7020.00"),
]

# ---- Norfolk (001): LSA/TA £15, LST £30, 39 weeks, £6,000; no top-up on plans issued on or -----
# after the PSF cut-over of 1 Sep 2012 (R17): only the student's 2011 statement is funded

NORFOLK = [
    *TYPICAL_SCHOOL_LINES,
    *PLACES,
    # student: 12 × 15 × 39 = 7,020 − 6,000 = £1,020.00
    p(GROVE, "student", YEAR, "1020.00"),
]

EXPECTED = {
    "west-sussex": WEST_SUSSEX,
    "torbay": TORBAY,
    "surrey": SURREY,
    "hackney": HACKNEY,
    "norfolk": NORFOLK,
}
#: R17 takes the special school pupils' top-up away in Norfolk (their plans are from 2024).
SPECIAL_TOP_UP = {key: key != "norfolk" for key in EXPECTED}


def test_every_preset_has_a_hand_worked_table():
    assert set(EXPECTED) == set(PRESETS)


@pytest.mark.parametrize(
    ("preset", "kind"),
    [
        *[pytest.param(key, "initial", id=f"{key}-initial") for key in EXPECTED],
        *[pytest.param(key, "revised", id=f"{key}-revised") for key in EXPECTED],
    ],
)
def test_whole_scheme_every_line_as_worked_by_hand(preset, kind, home_la, other_la, fy2025_terms):
    """R1-R25 on one small LA: the preset loaded fresh, a run, and every line it makes
    (school, pupil, element, period, amount, route, payer) as worked above."""
    pupils = build_la(home_la, other_la)
    services.scheme_load_preset(preset=preset, financial_year=2025)
    run = services.run_allocation(fy=2025, kind=kind)
    assert run.status == RunStatus.DONE, run.error
    expected = list(EXPECTED[preset])
    if SPECIAL_TOP_UP[preset]:
        expected += JANUARY_OCCUPANCY if kind == "initial" else SPECIAL_FOLLOWING_THE_CHILD
    assert actual_lines(run, pupils) == sorted(expected, key=_order)


def test_r7_plus_a_closing_schools_notional_sen_is_taken_of_the_unrounded_annual_amount(
    home_la, fy2025_terms
):
    closing = b.school(home_la, "Old Mill Primary")
    closing.closed_on, closing.status = AUG, "closed"
    closing.save()
    b.census(closing, OCT, reception=9)
    services.scheme_load_preset(preset="torbay", financial_year=2025)
    run = services.run_allocation(fy=2025, kind="initial")
    [line] = b.lines_of(run, school=closing, element="notional_sen")
    # 9 × £2,806.18 = £25,255.62 of AWPU; 5% of it = £1,262.781 a year × 60/188 (open to
    # 31 Aug) = 403.0152 -> £403.02 (rounding the annual first, £1,262.78 × 60/188 = 403.0149,
    # would give £403.01)
    assert line.amount == D("403.02")
