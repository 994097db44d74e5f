"""The demo's LAs, term dates, schools, censuses, planned places and special school bands.

`SchoolsMixin` holds the steps of `DemoBuilder` that build them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from schools.models import (
    ClosureDay,
    EstablishmentType,
    LocalAuthority,
    Phase,
    PlannedPlaces,
    ProvisionKind,
    School,
    SchoolCensus,
    SpecialSchoolBand,
    TermDate,
)

from .constants import DEMO_CENSUSES, DEMO_GO_LIVE, DEMO_LA, DEMO_REASON, NEIGHBOURS, STREETS
from .history import _create_with_history


def _term_dates(ay: int) -> list[tuple[str, dt.date, dt.date]]:
    """A typical English LA calendar: six half terms, 190 days less bank holidays and INSET."""

    def weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
        return day + dt.timedelta(days=(weekday - day.weekday()) % 7)

    autumn_start = weekday_on_or_after(dt.date(ay, 9, 2), 2)  # first Wednesday from 2 Sep
    autumn_half = weekday_on_or_after(dt.date(ay, 10, 20), 4)  # Friday before half term
    autumn2_start = autumn_half + dt.timedelta(days=10)
    christmas = weekday_on_or_after(dt.date(ay, 12, 16), 4)
    spring_start = weekday_on_or_after(dt.date(ay + 1, 1, 3), 0)
    spring_half = weekday_on_or_after(dt.date(ay + 1, 2, 10), 4)
    spring2_start = spring_half + dt.timedelta(days=10)
    easter_break = weekday_on_or_after(dt.date(ay + 1, 3, 27), 4)
    summer_start = easter_break + dt.timedelta(days=17)
    summer_half = weekday_on_or_after(dt.date(ay + 1, 5, 22), 4)
    summer2_start = summer_half + dt.timedelta(days=10)
    summer_end = weekday_on_or_after(dt.date(ay + 1, 7, 18), 1)
    return [
        ("Autumn 1", autumn_start, autumn_half),
        ("Autumn 2", autumn2_start, christmas),
        ("Spring 1", spring_start, spring_half),
        ("Spring 2", spring2_start, easter_break),
        ("Summer 1", summer_start, summer_half),
        ("Summer 2", summer2_start, summer_end),
    ]


class SchoolsMixin:
    """`DemoBuilder`'s steps for the LAs, calendar, schools, census, places and bands."""

    # --- LAs, calendar ---------------------------------------------------------------------
    def build_las(self) -> None:
        self.la = LocalAuthority.objects.create(
            code=DEMO_LA[0], name=DEMO_LA[1], is_administering=True
        )
        self.neighbours = [LocalAuthority.objects.create(code=c, name=n) for c, n in NEIGHBOURS]

    def build_calendar(self) -> None:
        """Term dates for four academic years, each published a year before it starts."""
        terms, closures = [], []
        for ay in range(self.current_ay - 2, self.current_ay + 2):
            published = dt.date(ay - 1, 9, 1)
            for name, start, end in _term_dates(ay):
                terms.append(self.dated(
                    TermDate(la=self.la, academic_year=ay, name=name, starts_on=start,
                             ends_on=end), published,
                ))  # fmt: skip
            first_day = _term_dates(ay)[0][1]
            closures.append(
                self.dated(ClosureDay(la=self.la, date=first_day, reason="INSET day"), published)
            )
        _create_with_history(TermDate, terms, user=self.officer)
        _create_with_history(ClosureDay, closures, user=self.officer)

    # --- schools ---------------------------------------------------------------------------
    def _school(self, name, phase, kind, low, high, la=None, establishment="") -> School:
        self.urn = getattr(self, "urn", 150000) + self.rng.randint(3, 40)
        self.estab = getattr(self, "estab", 2000) + 1
        return School(
            urn=self.urn, name=name, la=la or self.la, phase=phase, establishment_type=kind,
            statutory_low_age=low, statutory_high_age=high,
            establishment_number=establishment or f"{self.estab:04d}",
            opened_on=dt.date(1950 + self.rng.randint(0, 60), 9, 1),
        )  # fmt: skip

    def build_schools(self) -> None:
        streets = list(STREETS)
        self.rng.shuffle(streets)
        schools = []
        kinds = [EstablishmentType.COMMUNITY] * 5 + [
            EstablishmentType.VOLUNTARY_AIDED, EstablishmentType.VOLUNTARY_CONTROLLED,
            EstablishmentType.ACADEMY, EstablishmentType.ACADEMY, EstablishmentType.FOUNDATION,
        ]  # fmt: skip
        for i in range(38):
            kind = kinds[i % len(kinds)]
            suffix = (
                "Church of England Primary School"
                if kind.startswith("voluntary")
                else ("Primary Academy" if kind == EstablishmentType.ACADEMY else "Primary School")
            )
            schools.append(self._school(f"{streets[i]} {suffix}", Phase.PRIMARY, kind, 4, 11))
        sec_names = [
            "Downs", "Kingsway", "Northgate", "Priory", "Riverside", "Southfield", "Templars",
            "Valley", "Westcroft", "Whitegate", "Beacon", "Highfield",
        ]  # fmt: skip
        for i, name in enumerate(sec_names):
            kind = [EstablishmentType.ACADEMY, EstablishmentType.COMMUNITY][i % 2]
            schools.append(
                self._school(f"{name} {'Academy' if kind == 'academy' else 'School'}",
                             Phase.SECONDARY, kind, 11, 18 if i % 3 else 16)
            )  # fmt: skip
        schools += [
            self._school("Meadowbank Special School", Phase.NOT_APPLICABLE,
                         EstablishmentType.SPECIAL, 2, 19),
            self._school("Larkfield Academy (Special)", Phase.NOT_APPLICABLE,
                         EstablishmentType.SPECIAL_ACADEMY, 4, 16),
            self._school("Bridges Pupil Referral Unit", Phase.NOT_APPLICABLE,
                         EstablishmentType.AP_PRU, 11, 16),
            self._school("Little Acorns Nursery School", Phase.NURSERY,
                         EstablishmentType.NURSERY, 2, 5),
            self._school("Rainbow Nursery School", Phase.NURSERY, EstablishmentType.NURSERY, 2, 5),
            self._school("Demo Borough College", Phase.SIXTEEN_PLUS,
                         EstablishmentType.FE_COLLEGE, 16, 99),
            self._school("Oakridge All-through School", Phase.ALL_THROUGH,
                         EstablishmentType.ACADEMY, 4, 18),
        ]  # fmt: skip
        # Other LAs' schools where some of our pupils are placed (R8: a cost to us).
        for la, name in zip(
            self.neighbours[:3],
            ["Greenacre Special School", "Hollybank Primary School", "Ridgeway School"],
            strict=True,
        ):
            phase = Phase.PRIMARY if "Primary" in name else Phase.NOT_APPLICABLE
            kind = EstablishmentType.SPECIAL if "Special" in name else EstablishmentType.COMMUNITY
            schools.append(self._school(name, phase, kind, 4, 16, la=la))
        School.objects.bulk_create(schools)
        self.schools = list(School.objects.order_by("urn"))
        ours = [s for s in self.schools if s.la_id == self.la.pk]
        self.primaries = [s for s in ours if s.phase == Phase.PRIMARY]
        self.secondaries = [s for s in ours if s.phase == Phase.SECONDARY]
        self.specials = [s for s in ours if s.is_special]
        self.ap = next(s for s in ours if s.establishment_type == EstablishmentType.AP_PRU)
        self.fe = next(s for s in ours if s.establishment_type == EstablishmentType.FE_COLLEGE)
        self.all_through = next(s for s in ours if s.phase == Phase.ALL_THROUGH)
        self.ssc_host = self.secondaries[0]
        self.elsewhere = [s for s in self.schools if s.la_id != self.la.pk]
        self.summary.schools = len(self.schools)

    def build_census(self) -> None:
        rows = []
        for school in self.schools:
            sizes = self._year_sizes(school)
            roll = sum(sizes.values())
            for census_date, drift in DEMO_CENSUSES:
                counts = {k: int(v * drift) for k, v in sizes.items()}
                fsm_rate = self.rng.uniform(0.06, 0.38)
                rows.append(self.dated(
                    SchoolCensus(
                        school=school,
                        census_date=census_date,
                        **counts,
                        fsm=int(roll * fsm_rate),
                        idaci=int(roll * fsm_rate * 0.8),
                        low_prior_attainment=int(roll * self.rng.uniform(0.12, 0.3)),
                        mobility=int(roll * self.rng.uniform(0.01, 0.08)),
                        eal=int(roll * self.rng.uniform(0.05, 0.45)),
                        english_attainment_below=int(roll * self.rng.uniform(0.1, 0.3)),
                        sen_support=int(roll * self.rng.uniform(0.09, 0.16)),
                        ehc_plans=int(roll * self.rng.uniform(0.015, 0.04)),
                    ), census_date,
                ))  # fmt: skip
            school.number_on_roll = roll
        _create_with_history(SchoolCensus, rows, user=self.officer)
        School.objects.bulk_update(self.schools, ["number_on_roll"])
        # The schools as the LA loaded them at go-live, roll included.
        for school in self.schools:
            self.dated(school, DEMO_GO_LIVE)
        School.history.bulk_history_create(
            self.schools, default_user=self.officer, default_change_reason=DEMO_REASON
        )

    def _year_sizes(self, school: School) -> dict[str, int]:
        sizes = {}
        if school.phase == Phase.PRIMARY:
            form = self.rng.choice([15, 30, 30, 45, 60, 60, 90])
            sizes["nursery"] = form // 2 if self.rng.random() < 0.4 else 0
            sizes["reception"] = form - self.rng.randint(0, 3)
            for y in range(1, 7):
                sizes[f"year_{y}"] = form - self.rng.randint(0, 4)
        elif school.phase == Phase.SECONDARY:
            form = self.rng.choice([150, 180, 210, 240, 270])
            for y in range(7, 12):
                sizes[f"year_{y}"] = form - self.rng.randint(0, 10)
            if school.statutory_high_age == 18:
                sizes["year_12"] = form // 2
                sizes["year_13"] = form // 2 - 10
        elif school.phase == Phase.ALL_THROUGH:
            sizes["reception"] = 60
            for y in range(1, 14):
                sizes[f"year_{y}"] = 60 if y <= 6 else 120 if y <= 11 else 50
        elif school.phase == Phase.NURSERY:
            sizes["nursery"] = self.rng.randint(60, 110)
        elif school.is_special:
            for y in range(0, 12):
                key = "reception" if y == 0 else f"year_{y}"
                sizes[key] = self.rng.randint(6, 14)
        elif school.establishment_type == EstablishmentType.AP_PRU:
            for y in range(7, 12):
                sizes[f"year_{y}"] = self.rng.randint(4, 14)
        elif school.establishment_type == EstablishmentType.FE_COLLEGE:
            sizes["year_12"], sizes["year_13"] = 900, 780
        return sizes

    def build_places_and_bands(self) -> None:
        places, bands = [], []
        for ay in (self.current_ay - 1, self.current_ay):
            for school, planned in zip(self.specials, (140, 90), strict=True):
                places.append(PlannedPlaces(
                    school=school, academic_year=ay, provision=ProvisionKind.SPECIAL_SCHOOL,
                    places=planned, occupied=planned - self.rng.randint(0, 6),
                    occupancy_counted_on=dt.date(ay + 1, 1, 15),
                ))  # fmt: skip
            places.append(PlannedPlaces(
                school=self.ssc_host, academic_year=ay, provision=ProvisionKind.SSC, places=16,
                occupied=13, occupancy_counted_on=dt.date(ay + 1, 1, 15),
            ))  # fmt: skip
            places.append(PlannedPlaces(
                school=self.ap, academic_year=ay, provision=ProvisionKind.AP, places=40,
                occupied=34, occupancy_counted_on=dt.date(ay + 1, 1, 15),
            ))  # fmt: skip
            places.append(PlannedPlaces(
                school=self.fe, academic_year=ay, provision=ProvisionKind.FE, places=25,
                occupied=22, occupancy_counted_on=dt.date(ay + 1, 1, 15),
            ))  # fmt: skip
        for row in places:  # places agreed in the spring before the academic year
            self.dated(row, dt.date(row.academic_year, 3, 1))
        _create_with_history(PlannedPlaces, places, user=self.officer)
        # R12: each special school has its own rates; Larkfield offers bands 1-4 only.
        rates = {
            self.specials[0]: [3250, 6100, 9400, 13800, 19500],
            self.specials[1]: [3600, 6800, 10200, 14900],
        }
        for school in self.elsewhere:  # another LA's special school charges its own rates
            if school.is_special:
                rates[school] = [4100, 7300, 11000, 15800, 21000]
        for fy in (2025, 2026):
            uplift = Decimal("1.00") if fy == 2025 else Decimal("1.02")
            for school, amounts in rates.items():
                for band, amount in enumerate(amounts, start=1):
                    bands.append(SpecialSchoolBand(
                        school=school, financial_year=fy, band=band,
                        annual_rate=(Decimal(amount) * uplift).quantize(Decimal("0.01")),
                    ))  # fmt: skip
        for row in bands:  # band rates set before the financial year
            self.dated(row, dt.date(row.financial_year, 3, 1))
        _create_with_history(SpecialSchoolBand, bands, user=self.officer)
