"""factory-boy factories shared by every test folder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from clusters.models import Cluster, ClusterMembership
from pupils.models import Placement, Plan, Pupil, SupportLevel
from pupils.upn import make_upn
from schools import roles
from schools.models import (
    EstablishmentType,
    LocalAuthority,
    Phase,
    PlannedPlaces,
    School,
    SchoolAccess,
    SchoolCensus,
    SpecialSchoolBand,
    TermDate,
)


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{800 + n % 199:03d}")
    name = factory.Sequence(lambda n: f"Borough {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    urn = factory.Sequence(lambda n: 100000 + n)
    name = factory.Sequence(lambda n: f"School {n} Primary")
    la = factory.SubFactory(LocalAuthorityFactory)
    establishment_number = factory.Sequence(lambda n: f"{2000 + n % 7000:04d}")
    phase = Phase.PRIMARY
    establishment_type = EstablishmentType.COMMUNITY
    statutory_low_age = 4
    statutory_high_age = 11


class SchoolCensusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolCensus

    school = factory.SubFactory(SchoolFactory)
    census_date = dt.date(2025, 1, 16)


class PlannedPlacesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlannedPlaces

    school = factory.SubFactory(SchoolFactory)
    academic_year = 2025
    provision = "special_school"
    places = 100
    occupied = 90


class SpecialSchoolBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecialSchoolBand

    school = factory.SubFactory(SchoolFactory)
    financial_year = 2025
    band = 1
    annual_rate = Decimal("5000.00")


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    upn = factory.Sequence(
        lambda n: (
            make_upn("800", "2000", 15, n % 1000)
            if n < 1000
            else make_upn("801", f"{n // 1000:04d}", 16, n % 1000)
        )
    )
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = dt.date(2015, 3, 14)
    home_la = factory.SubFactory(LocalAuthorityFactory)


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SubFactory(SchoolFactory)
    starts_on = dt.date(2024, 9, 1)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    pupil = factory.SubFactory(PupilFactory)
    kind = "ehcp"
    issued_on = dt.date(2024, 9, 1)
    primary_need = "ASD"
    annual_review_due = dt.date(2025, 9, 1)


class SupportLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportLevel

    plan = factory.SubFactory(PlanFactory)
    effective_from = factory.LazyAttribute(lambda o: o.plan.issued_on)
    lsa_hours = Decimal("20")


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    name = factory.Sequence(lambda n: f"Cluster {n}")


class ClusterMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterMembership

    cluster = factory.SubFactory(ClusterFactory)
    school = factory.SubFactory(SchoolFactory)
    starts_on = dt.date(2020, 9, 1)


class TermDateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TermDate

    la = factory.SubFactory(LocalAuthorityFactory)
    academic_year = 2025
    name = "Autumn 1"
    starts_on = dt.date(2025, 9, 3)
    ends_on = dt.date(2025, 10, 24)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def schools(self, create, extracted, **kwargs):
        if create and extracted:
            for school in extracted:
                SchoolAccess.objects.create(user=self, school=school)


def la_officer(**kwargs) -> User:
    return UserFactory(role=roles.LA_OFFICER, **kwargs)


def school_manager(*schools: School, **kwargs) -> User:
    return UserFactory(role=roles.SCHOOL_BUSINESS_MANAGER, schools=list(schools), **kwargs)


def panel_member(**kwargs) -> User:
    """Panel members work in the Django admin, so they are staff."""
    return UserFactory(role=roles.PANEL_MEMBER, is_staff=True, **kwargs)


def cluster_host(**kwargs) -> User:
    return UserFactory(role=roles.CLUSTER_HOST, **kwargs)
