"""The demo's pupils: their home LAs, plans, placements (moves and leavers) and support levels.

`PupilsMixin` holds the steps of `DemoBuilder` that build them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from pupils.models import (
    AdmissionKind,
    Placement,
    PlacementKind,
    Plan,
    PlanKind,
    Pupil,
    PupilHomeLa,
    SupportLevel,
)
from pupils.services import HOME_LA_FROM_BIRTH
from pupils.upn import make_upn
from schools.dates import AcademicYear, reception_year_of
from schools.models import EstablishmentType, Phase, School

from .constants import DEMO_REASON, FAMILY, GIVEN, NEED_WEIGHTS, NEEDS
from .history import _create_with_history


class PupilsMixin:
    """`DemoBuilder`'s steps for the pupils, their plans, placements and support."""

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
