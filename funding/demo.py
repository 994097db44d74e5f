"""The demo LA for `manage.py seed_demo`: deterministic, realistic, and quick to build.

An administering LA ("Demo Borough", code 999) with about 60 schools (primaries, secondaries,
two special schools with bands, an SSC, an AP, nurseries), census figures, term dates, about
600 pupils with plans (some from other LAs, some in other LAs' schools, some moving mid-year,
some on managed moves), two clusters and one login per role.

Every row is written with its history (simple-history), recorded by the demo officer on the day
it "was recorded" (see DEMO_GO_LIVE), so `run_allocation --as-at` can re-run any demo run.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from clusters.models import Cluster, ClusterMembership
from pupils.models import (
    AdmissionKind,
    Placement,
    PlacementKind,
    Plan,
    PlanKind,
    PrimaryNeed,
    Pupil,
    PupilHomeLa,
    SupportLevel,
)
from pupils.services import HOME_LA_FROM_BIRTH
from pupils.upn import make_upn
from schools import roles
from schools.dates import AcademicYear, reception_year_of
from schools.models import (
    ClosureDay,
    EstablishmentType,
    LocalAuthority,
    Phase,
    PlannedPlaces,
    ProvisionKind,
    School,
    SchoolAccess,
    SchoolCensus,
    SpecialSchoolBand,
    TermDate,
)

DEMO_PASSWORD = "demo-password-2026"
#: The demo's logins, as `seed_demo` prints them (cluster2 comes with the clusters demo).
DEMO_LOGINS = [
    ("officer", "LA SEN officer"),
    ("finance", "LA finance officer"),
    ("school", "School business manager (one primary school)"),
    ("school2", "School business manager (one secondary school)"),
    ("panel", "SEN Panel member (Django admin at /admin/)"),
    ("cluster", "Cluster host (North Downs Cluster)"),
    ("cluster2", "Cluster host (Riverside Cluster)"),
    ("admin", "System admin (superuser)"),
]
DEMO_LA = ("999", "Demo Borough")
NEIGHBOURS = [
    ("936", "Surrey"),
    ("938", "West Sussex"),
    ("845", "East Sussex"),
    ("886", "Kent"),
    ("204", "Hackney"),
    ("880", "Torbay"),
    ("926", "Norfolk"),
]
STREETS = [
    "Ashdown", "Beacon", "Brook", "Castle", "Chalk Hill", "Church", "Downs", "Elm", "Fairfield",
    "Forest", "Greenway", "Hawthorn", "Heath", "Highfield", "Hillside", "Kingsway", "Lark Rise",
    "Linden", "Meadow", "Mill", "Moor", "Northgate", "Oakwood", "Orchard", "Park", "Priory",
    "Queensway", "Riverside", "St Mary's", "St John's", "Southfield", "Spring", "Station",
    "Templars", "The Willows", "Valley", "Victoria", "Westcroft", "Whitegate", "Woodside",
]  # fmt: skip
GIVEN = [
    "Amara", "Ben", "Chloe", "Daniel", "Ella", "Finley", "Grace", "Harry", "Isla", "Jack", "Kai",
    "Layla", "Mohammed", "Noah", "Olivia", "Priya", "Quinn", "Rosie", "Sami", "Theo", "Uma",
    "Vinnie", "Willow", "Yusuf", "Zara", "Alfie", "Bella", "Callum", "Daisy", "Ethan", "Freya",
    "George", "Hana", "Isaac", "Jasmine", "Leo", "Maya", "Oscar", "Poppy", "Reuben", "Sophie",
]  # fmt: skip
FAMILY = [
    "Adams", "Begum", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones",
    "Khan", "Lewis", "Mensah", "Nowak", "Okafor", "Patel", "Quinn", "Roberts", "Smith", "Taylor",
    "Usman", "Vaughan", "Walker", "Xu", "Young", "Zielinski", "Ahmed", "Brown", "Campbell",
    "Dunn", "Ellis", "Foster", "Gill", "Hall", "Islam", "Kowalski", "Murphy", "Nguyen", "Shah",
]  # fmt: skip
NEEDS = [c.value for c in PrimaryNeed]
# October and January censuses (elements 1-2 use the latest before the FY) and November counts
# (R4's counting month in the West Sussex scheme), with a small drift in the roll.
DEMO_CENSUSES = [
    (dt.date(2024, 10, 3), 0.97),
    (dt.date(2025, 1, 16), 0.97),
    (dt.date(2025, 10, 2), 0.98),
    (dt.date(2025, 11, 6), 0.98),
    (dt.date(2026, 1, 15), 1.0),
    (dt.date(2026, 10, 1), 1.01),
    (dt.date(2026, 11, 5), 1.01),
]
NEED_WEIGHTS = [8, 12, 6, 2, 16, 18, 2, 1, 1, 4, 26, 4]
#: When the demo LA loaded its records into the product. The history a run "as at" reads says
#: so: what was in force then is recorded that morning, anything later on the day it took
#: effect (a plan on its issue date, a census on its day, a move on the day of the move).
DEMO_GO_LIVE = dt.date(2024, 3, 1)
DEMO_REASON = "Demo data"


@dataclass
class DemoSummary:
    schools: int = 0
    pupils: int = 0
    plans: int = 0
    placements: int = 0


def _create_with_history(model, objs: list, *, user, closed: dict | None = None) -> None:
    """bulk_create `objs` and their history, each record dated by the object's `_history_date`.

    `closed` maps id(obj) to (end field, datetime) for a row first recorded open-ended and
    ended later (a leaver, a move, a changed support level): its history has the open record,
    then the ending on that day, as the real services would have written them.
    """
    closed = closed or {}
    model.objects.bulk_create(objs, batch_size=1000)
    ended = [obj for obj in objs if id(obj) in closed]
    ends = [getattr(obj, closed[id(obj)][0]) for obj in ended]
    for obj in ended:
        setattr(obj, closed[id(obj)][0], None)
    model.history.bulk_history_create(
        objs, batch_size=1000, default_user=user, default_change_reason=DEMO_REASON
    )
    for obj, end in zip(ended, ends, strict=True):
        field_name, when = closed[id(obj)]
        setattr(obj, field_name, end)
        obj._history_date = when
    model.history.bulk_history_create(
        ended, batch_size=1000, update=True, default_user=user, default_change_reason=DEMO_REASON
    )


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


class DemoBuilder:
    def __init__(self, seed: int = 20261124, today: dt.date | None = None):
        self.rng = random.Random(seed)
        self.today = today or dt.date(2026, 11, 24)
        self.current_ay = AcademicYear.of(self.today).start_year
        self.summary = DemoSummary()
        self.serial = 0
        # Nothing is recorded after the demo's today, nor (on a clock set earlier) after now.
        self.latest = min(
            timezone.make_aware(dt.datetime.combine(self.today, dt.time(17))), timezone.now()
        )
        self.officer: User | None = None

    def at(self, day: dt.date) -> dt.datetime:
        """When a row taking effect on `day` was recorded (see DEMO_GO_LIVE)."""
        moment = timezone.make_aware(dt.datetime.combine(max(day, DEMO_GO_LIVE), dt.time(9)))
        return min(moment, self.latest)

    def dated(self, obj, day: dt.date):
        """`obj` recorded on `day` by the demo officer (history and, where kept, the row)."""
        obj._history_date = self.at(day)
        if hasattr(obj, "recorded_at"):
            obj.recorded_at = obj._history_date
            obj.recorded_by = self.officer
        return obj

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

    # --- pupils ----------------------------------------------------------------------------
    def _upn(self, school: School) -> str:
        self.serial += 1
        la_code = school.la.code if school.la_id != self.la.pk else self.la.code
        return make_upn(la_code, school.establishment_number or "2000", 10 + self.serial % 15,
                        self.serial % 1000)  # fmt: skip

    def _dob_for_year_group(self, group: int) -> dt.date:
        reception_start = self.current_ay - group
        cohort_start = reception_start - 5  # born Sep (cohort_start) .. Aug (cohort_start + 1)
        return dt.date(cohort_start, 9, 1) + dt.timedelta(days=self.rng.randint(0, 364))

    def build_pupils(self, count: int = 600) -> None:
        rng = self.rng
        pupils, placements, plans, supports = [], [], [], []
        plan_meta = []
        weights = (
            [(s, 5) for s in self.primaries]
            + [(s, 12) for s in self.secondaries]
            + [(s, 38) for s in self.specials]
            + [(self.ap, 8), (self.fe, 6), (self.all_through, 8)]
            + [(s, 3) for s in self.elsewhere]
        )
        population = [s for s, _ in weights]
        school_weights = [w for _, w in weights]
        used_upns = set()
        for _ in range(count):
            school = rng.choices(population, school_weights)[0]
            group = self._year_group_for(school)
            dob = self._dob_for_year_group(group)
            home_la = self.la if rng.random() > 0.08 else rng.choice(self.neighbours)
            if school.la_id != self.la.pk:
                home_la = self.la  # our pupils placed in other LAs' schools
            upn = self._upn(school)
            while upn in used_upns:
                upn = self._upn(school)
            used_upns.add(upn)
            pupil = Pupil(
                upn=upn, given_name=rng.choice(GIVEN), family_name=rng.choice(FAMILY),
                date_of_birth=dob, home_la=home_la,
            )  # fmt: skip
            pupils.append(pupil)
            phase_start = self._phase_start(school, dob)
            self.dated(pupil, phase_start)  # recorded when first placed
            placement_kind = self._placement_kind(school)
            if school == self.ssc_host and rng.random() < 0.4:
                placement_kind = PlacementKind.SSC
            placements.append(dict(pupil=pupil, school=school, starts_on=phase_start,
                                   kind=placement_kind,
                                   admission_kind=AdmissionKind.FIRST_ADMISSION))  # fmt: skip
            issued = self._issue_date(phase_start)
            kind = PlanKind.STATEMENT if issued < dt.date(2014, 9, 1) else PlanKind.EHCP
            review = dt.date(self.today.year, issued.month, min(issued.day, 28))
            if review < self.today:  # the next anniversary of the plan is the review due
                review = review.replace(year=review.year + 1)
            if rng.random() < 0.12:
                review = self.today - dt.timedelta(days=rng.randint(5, 90))  # R10: overdue
            plan_meta.append((pupil, school, issued, kind, review))
        _create_with_history(Pupil, pupils, user=self.officer)
        # R8+: each pupil's home LA, dated from birth (the house moves come with the funding).
        periods = [
            self.dated(PupilHomeLa(pupil=pupil, la_id=pupil.home_la_id,
                                   starts_on=pupil.date_of_birth, reason=HOME_LA_FROM_BIRTH),
                       timezone.localdate(pupil._history_date))
            for pupil in pupils
        ]  # fmt: skip
        _create_with_history(PupilHomeLa, periods, user=self.officer)
        for i, (pupil, _school, issued, kind, review) in enumerate(plan_meta):
            plans.append(self.dated(Plan(
                pupil=pupil, kind=kind, issued_on=issued,
                primary_need=rng.choices(NEEDS, NEED_WEIGHTS)[0], annual_review_due=review,
                reason=DEMO_REASON, caseworker=self.officer if i % 2 == 0 else None,
            ), issued))  # fmt: skip
        _create_with_history(Plan, plans, user=self.officer)
        plan_of = {p.pupil_id: p for p in plans}
        final_placements = []
        closed: dict[int, tuple[str, dt.datetime]] = {}  # rows recorded open, ended later
        for item in placements:
            pupil, school = item["pupil"], item["school"]
            plan = plan_of[pupil.pk]
            support_from = max(plan.issued_on, dt.date(2024, 4, 1))
            first = self.dated(self._support(plan, support_from, school), support_from)
            change_on = None
            if rng.random() < 0.15:  # a support change part-way through FY 2026
                change_on = dt.date(2026, rng.choice([5, 6, 9, 10, 11]), rng.randint(1, 28))
            if change_on and change_on > support_from:
                first.effective_to = change_on - dt.timedelta(days=1)
                closed[id(first)] = ("effective_to", self.at(change_on))
                supports.append(first)
                supports.append(
                    self.dated(self._support(plan, change_on, school, bump=True), change_on)
                )
            else:
                supports.append(first)
            move = rng.random()
            moves_on = dt.date(2026, rng.choice([4, 6, 9, 11]), rng.randint(1, 28))
            if moves_on <= item["starts_on"]:
                move = 0.5  # joined after the move date: no move
            if school.la_id == self.la.pk and not school.is_special and move < 0.07:
                # Moves mid-year: casual admissions and managed moves (R16).
                same_phase = [s for s in (self.primaries if school.phase == Phase.PRIMARY
                                          else self.secondaries) if s != school]  # fmt: skip
                target = rng.choice(same_phase) if same_phase else self.all_through
                admission = (AdmissionKind.MANAGED_MOVE if move < 0.03
                             else AdmissionKind.CASUAL_ADMISSION)  # fmt: skip
                left = Placement(**item, ends_on=moves_on - dt.timedelta(days=1),
                                 reason="Demo data")  # fmt: skip
                closed[id(left)] = ("ends_on", self.at(moves_on))
                final_placements.append(left)
                final_placements.append(Placement(
                    pupil=pupil, school=target, starts_on=moves_on, kind=item["kind"],
                    admission_kind=admission, reason="Demo data: moved school",
                ))  # fmt: skip
            elif move > 0.97 and moves_on > item["starts_on"]:
                leaves_on = moves_on
                left = Placement(**item, ends_on=leaves_on, reason="Demo data: left")
                closed[id(left)] = ("ends_on", self.at(leaves_on))
                final_placements.append(left)
            else:
                final_placements.append(Placement(**item, reason="Demo data"))
        for row in final_placements:
            self.dated(row, row.starts_on)
        _create_with_history(Placement, final_placements, user=self.officer, closed=closed)
        _create_with_history(SupportLevel, supports, user=self.officer, closed=closed)
        self.summary.pupils = len(pupils)
        self.summary.plans = len(plans)
        self.summary.placements = len(final_placements)

    def _year_group_for(self, school: School) -> int:
        if school.phase == Phase.PRIMARY:
            return self.rng.randint(0, 6)
        if school.phase == Phase.SECONDARY:
            return self.rng.randint(7, 11 if school.statutory_high_age == 16 else 13)
        if school.phase == Phase.ALL_THROUGH:
            return self.rng.randint(0, 13)
        if school.establishment_type == EstablishmentType.AP_PRU:
            return self.rng.randint(7, 11)
        if school.establishment_type == EstablishmentType.FE_COLLEGE:
            return self.rng.randint(12, 13)
        return self.rng.randint(1, 11)

    def _phase_start(self, school: School, dob: dt.date) -> dt.date:
        reception = reception_year_of(dob).start_year
        group_now = self.current_ay - reception
        if school.phase == Phase.SECONDARY or (
            school.establishment_type == EstablishmentType.AP_PRU
        ):
            start_ay = reception + 7
        elif school.establishment_type == EstablishmentType.FE_COLLEGE:
            start_ay = reception + 12
        elif school.is_special:
            start_ay = reception + self.rng.randint(0, max(group_now, 0))
        else:
            start_ay = reception
        return AcademicYear(min(start_ay, self.current_ay)).starts_on

    def _placement_kind(self, school: School) -> str:
        if school.is_special:
            return PlacementKind.SPECIAL_SCHOOL
        if school.establishment_type == EstablishmentType.AP_PRU:
            return PlacementKind.AP
        if school.establishment_type == EstablishmentType.FE_COLLEGE:
            return PlacementKind.FE
        return PlacementKind.MAINSTREAM

    def _issue_date(self, phase_start: dt.date) -> dt.date:
        latest = self.today - dt.timedelta(days=20)
        earliest = phase_start
        if self.rng.random() < 0.05:
            earliest = min(phase_start, dt.date(2012, 9, 1))
        span = max((latest - earliest).days, 1)
        issued = earliest + dt.timedelta(days=self.rng.randint(0, span))
        if self.rng.random() < 0.08:  # plans issued part-way through FY 2026
            issued = dt.date(2026, self.rng.choice([5, 6, 9, 10]), self.rng.randint(1, 28))
        return max(issued, phase_start)

    def _support(self, plan: Plan, start: dt.date, school: School, bump: bool = False):
        rng = self.rng
        if school.is_special:
            band = rng.choices([1, 2, 3, 4, 5], [15, 30, 30, 18, 7])[0]
            if school == self.specials[1]:
                band = min(band, 4)
            if bump:
                band = min(band + 1, 4 if school == self.specials[1] else 5)
            return SupportLevel(plan=plan, effective_from=start, band=band, reason="Demo data")
        if school.phase == Phase.SECONDARY and rng.random() < 0.5:
            amount = Decimal(rng.choice([4500, 6000, 7500, 9000, 12000]))
            if bump:
                amount += Decimal("1500")
            return SupportLevel(
                plan=plan,
                effective_from=start,
                resource_amount=amount,
                lsa_hours=Decimal(rng.choice([10, 15, 20])),
                reason="Demo data",
            )
        lsa = Decimal(rng.choice([10, 12.5, 15, 15, 20, 20, 25, 27.5, 32.5]))
        lst = Decimal(rng.choice([0, 0, 1, 2, 3]))
        ta = Decimal(rng.choice([0, 0, 0, 5, 13, 20]))
        if bump:
            lsa += Decimal("5")
        return SupportLevel(plan=plan, effective_from=start, lsa_hours=lsa, lst_hours=lst,
                            ta_hours=ta, reason="Demo data")  # fmt: skip

    # --- clusters and users ----------------------------------------------------------------
    def build_clusters(self) -> None:
        north = Cluster(name="North Downs Cluster", host_school=self.primaries[0],
                        host_contact=self.cluster_host)  # fmt: skip
        south = Cluster(name="Riverside Cluster", host_school=self.primaries[1])
        self.clusters = (north, south)
        for cluster in self.clusters:
            self.dated(cluster, DEMO_GO_LIVE)
            cluster._history_user = self.officer
            cluster.save()
        memberships = []
        for i, school in enumerate(self.primaries + self.secondaries):
            cluster = north if i % 2 == 0 else south
            memberships.append(self.dated(
                ClusterMembership(cluster=cluster, school=school, starts_on=dt.date(2018, 9, 1)),
                DEMO_GO_LIVE,
            ))  # fmt: skip
        _create_with_history(ClusterMembership, memberships, user=self.officer)

    def build_users(self) -> None:
        """One login per role; the officer is who recorded the demo's data (history_user)."""

        def user(username, first, last, role, *, staff=False, superuser=False):
            account = User.objects.create_user(
                username=username, password=DEMO_PASSWORD, first_name=first, last_name=last,
                email=f"{username}@demo-borough.example", is_staff=staff or superuser,
                is_superuser=superuser,
            )  # fmt: skip
            if role:
                account.groups.add(Group.objects.get(name=role))
            return account

        user("admin", "System", "Administrator", roles.ADMIN, superuser=True)
        self.officer = user("officer", "Olu", "Adeyemi", roles.LA_OFFICER, staff=True)
        user("finance", "Fiona", "Marsh", roles.LA_OFFICER, staff=True)
        school_bm = user("school", "Sam", "Patel", roles.SCHOOL_BUSINESS_MANAGER)
        SchoolAccess.objects.create(user=school_bm, school=self.primaries[0])
        other_bm = user("school2", "Jo", "Reid", roles.SCHOOL_BUSINESS_MANAGER)
        SchoolAccess.objects.create(user=other_bm, school=self.secondaries[0])
        user("panel", "Priya", "Shah", roles.PANEL_MEMBER, staff=True)
        self.cluster_host = user("cluster", "Chris", "Lowe", roles.CLUSTER_HOST)
        SchoolAccess.objects.create(user=self.cluster_host, school=self.primaries[0])


@transaction.atomic
def seed_demo(*, pupils: int = 600, seed: int = 20261124) -> DemoSummary:
    """Build the demo LA from scratch. Refuses to run on a database that already has schools."""
    if School.objects.exists():
        raise RuntimeError("The database already has schools: seed_demo only runs on an empty one.")
    builder = DemoBuilder(seed=seed)
    builder.build_las()
    builder.build_schools()
    builder.build_users()
    builder.build_calendar()
    builder.build_census()
    builder.build_places_and_bands()
    builder.build_pupils(pupils)
    builder.build_clusters()
    return builder.summary


# --- funding: schemes, in-year changes and runs ------------------------------------------------
@dataclass
class FundingSummary:
    runs: list[tuple[int, str, str, Decimal, int]] = field(default_factory=list)
    changes: int = 0
    house_moves: list[str] = field(default_factory=list)
    spends: int = 0


#: R8+: the demo's house moves in FY 2025-26, recorded after its initial run: (moving out of
#: the borough?, the day of the move, the other LA's code).
DEMO_HOUSE_MOVES = [(True, dt.date(2025, 11, 3), "936"), (False, dt.date(2026, 1, 5), None)]


def _house_move_candidate(*, resident: bool) -> Pupil | None:
    """A pupil at one of our special schools (a band top-up is never £0) for the whole FY
    2025-26 under a plan issued before it: one living here (`resident`) or in another LA."""
    fy_start, fy_end = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
    home = PupilHomeLa.objects.filter(starts_on__lte=fy_start, ends_on__isnull=True)
    home = home.filter(la__is_administering=resident)
    placed = (
        Placement.objects.filter(
            school__la__is_administering=True,
            school__establishment_type__in=EstablishmentType.special_types(),
            starts_on__lte=fy_start,
        )
        .exclude(ends_on__lt=fy_end)
        .values("pupil_id")
    )
    planned = Plan.objects.filter(issued_on__lt=fy_start, ceased_on__isnull=True)
    return (
        Pupil.objects.filter(pk__in=home.values("pupil_id"))
        .filter(pk__in=placed)
        .filter(pk__in=planned.values("pupil_id"))
        .select_related("home_la")
        .order_by("pk")
        .first()
    )


def _demo_in_year_changes_fy2025(officer: User) -> int:
    """Backdated changes inside FY 2025-26 (recorded after its initial run), through the real
    services, so the initial-vs-final comparison has events to explain (R21)."""
    from pupils import services
    from pupils.models import Plan as PlanModel

    rng = random.Random(2025)
    changed = 0
    plans = list(
        PlanModel.objects.filter(issued_on__lt=dt.date(2025, 4, 1), ceased_on__isnull=True)
        .filter(pupil__placements__school__la__is_administering=True)
        .select_related("pupil")
        .order_by("pk")
        .distinct()
    )
    for plan in rng.sample(plans, min(24, len(plans))):
        level = plan.support_levels.order_by("effective_from").first()
        if level is None or level.band:
            continue
        on = dt.date(2026, 1, rng.randint(5, 30))
        if level.effective_to is not None and level.effective_to < on:
            continue
        if level.effective_from >= on:
            continue
        try:
            services.support_change(
                plan=plan, effective_from=on, user=officer,
                support=services.SupportHours(
                    lsa_hours=level.lsa_hours + Decimal("5"), lst_hours=level.lst_hours,
                    ta_hours=level.ta_hours, band=None, resource_amount=level.resource_amount,
                ),
                reason="Annual review: more LSA time (demo)",
            )  # fmt: skip
            changed += 1
        except Exception:  # noqa: BLE001, S112 - demo data: skip a pupil whose dates do not fit
            continue
    return changed


def seed_demo_funding(*, user: User | None = None) -> FundingSummary:
    """Load the West Sussex preset for FY 2025 and 2026 and compute the demo's runs."""
    from funding.services import run_allocation, scheme_load_preset

    summary = FundingSummary()
    officer = user or User.objects.get(username="officer")
    for fy in (2025, 2026):
        scheme = scheme_load_preset(preset="west-sussex", financial_year=fy, user=officer)
        _date_scheme_history(scheme, dt.date(fy, 2, 3))
    run = run_allocation(fy=2025, kind="initial", user=officer, note="Demo: start of year")
    summary.runs.append((run.pk, "2025-26", run.kind, run.total_amount, run.line_count))
    summary.changes = _demo_in_year_changes_fy2025(officer)
    summary.house_moves = _demo_house_moves_fy2025(officer)
    initial = run
    for fy, kind, note in (
        (2025, "final", "Demo: year end, after in-year changes"),
        (2026, "initial", "Demo: start of year"),
    ):
        run = run_allocation(fy=fy, kind=kind, user=officer, note=note)
        summary.runs.append((run.pk, f"{fy}-{str(fy + 1)[-2:]}", run.kind, run.total_amount,
                             run.line_count))  # fmt: skip
        if kind == "final":
            summary.spends = _demo_sen_spend_fy2025(initial, run, officer)
    return summary


def _date_scheme_history(scheme, day: dt.date) -> None:
    """Date the history the preset load has just written to when the demo LA set the year's
    scheme (before the year, after its schools forum), so a run "as at" any moment of the year
    finds it (`run_allocation --fy 2025 --as-at 2025-12-01T00:00`). Demo data only: the history
    of a real scheme is what its services wrote."""
    from funding.models import FundingScheme, HourlyRate, NotionalSenFactor, TaHoursBand

    when = min(timezone.make_aware(dt.datetime.combine(day, dt.time(9))), timezone.now())
    FundingScheme.history.filter(id=scheme.pk).update(history_date=when)
    for model in (NotionalSenFactor, HourlyRate, TaHoursBand):
        model.history.filter(scheme_id=scheme.pk).update(history_date=when)


def _demo_house_moves_fy2025(officer: User) -> list[str]:
    """R8+: house moves inside FY 2025-26 through the real service (recorded after its initial
    run), so the final run splits each mover's top-up between the two LAs that paid it."""
    from pupils.services import pupil_home_la_change

    ours = LocalAuthority.objects.get(is_administering=True)
    notes = []
    for moving_out, on, code in DEMO_HOUSE_MOVES:
        pupil = _house_move_candidate(resident=moving_out)
        if pupil is None:  # a small demo may have nobody who fits
            continue
        before = pupil.home_la
        after = LocalAuthority.objects.get(code=code) if moving_out else ours
        pupil_home_la_change(
            pupil=pupil, la=after, from_date=on, user=officer,
            reason=f"House move to {after.name} (demo)",
        )  # fmt: skip
        notes.append(
            f"{pupil.given_name} {pupil.family_name} (UPN {pupil.upn}) moved from {before.name} "
            f"to {after.name} on {on:%-d %B %Y}: {before.name} pays the top-up to "
            f"{on - dt.timedelta(days=1):%-d %B}, {after.name} from {on:%-d %B}"
        )
    return notes


#: R21: the demo schools' SEN spend for FY 2025-26 as a share of their final SEN allocation.
DEMO_SPEND_SHARES = [
    Decimal("0.94"), Decimal("1.03"), Decimal("1.11"), Decimal("0.97"), Decimal("1.06"),
    Decimal("0.89"),
]  # fmt: skip


def _demo_sen_spend_fy2025(initial, final, officer: User) -> int:
    """R21: a handful of schools record what they spent on SEN in FY 2025-26 (the LA for them,
    the demo primary's business manager for their own), so the final report sets allocation
    against spend. Spend = final SEN allocation x a share, split 80% staffing, 12% resources."""
    from funding.calculations.money import round_money
    from funding.spend.selectors import allocation_against_spend
    from funding.spend.services import sen_spend_record

    rows = [r for r in allocation_against_spend(initial, final).rows if r.final > 0]
    if not rows:
        return 0
    manager_access = SchoolAccess.objects.filter(user__username="school").first()
    own = [r for r in rows if manager_access and r.school_id == manager_access.school_id]
    step = max(len(rows) // len(DEMO_SPEND_SHARES), 1)
    chosen = (own + [r for r in rows[::step] if r not in own])[: len(DEMO_SPEND_SHARES)]
    for row, share in zip(chosen, DEMO_SPEND_SHARES, strict=False):
        amount = round_money(row.final * share)
        staffing = round_money(amount * Decimal("0.80"))
        resources = round_money(amount * Decimal("0.12"))
        by_school = manager_access is not None and manager_access.school_id == row.school_id
        sen_spend_record(
            school=School.objects.get(pk=row.school_id), financial_year=final.financial_year,
            amount=amount, staffing=staffing, resources=resources,
            other=amount - staffing - resources,
            note="Year-end return (demo)" if by_school else "From the school's year-end "
            "return, recorded by the LA (demo)",
            user=manager_access.user if by_school else officer,
        )  # fmt: skip
    return len(chosen)
