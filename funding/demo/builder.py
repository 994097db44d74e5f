"""`DemoBuilder` and `seed_demo()`: the demo LA built step by step, its clusters and logins.

The schools and pupils steps live in `schools.py` and `pupils.py` (mixins of `DemoBuilder`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from clusters.models import Cluster, ClusterMembership
from schools import roles
from schools.dates import AcademicYear
from schools.models import School, SchoolAccess

from .constants import DEMO_GO_LIVE, DEMO_PASSWORD
from .history import _create_with_history
from .pupils import PupilsMixin
from .schools import SchoolsMixin


@dataclass
class DemoSummary:
    schools: int = 0
    pupils: int = 0
    plans: int = 0
    placements: int = 0


class DemoBuilder(SchoolsMixin, PupilsMixin):
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
