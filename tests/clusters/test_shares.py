"""R18: the cluster pot divided by a fixed sum per member school plus an amount per pupil on roll,
exact to the penny and adding up to the pot (largest remainder)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusters.calculations import ClusterCount, SharesError, cluster_shares
from clusters.models import ClusterPot
from clusters.selectors import division
from tests import factories


def test_r18_three_clusters_fixed_sum_and_per_pupil_exact():
    # Pot £250,000.00; fixed £2,500.00 a school; 9 schools -> £22,500.00 fixed;
    # £227,500.00 by 2,000 pupils = £113.75 a pupil.
    # North 5 schools, 1,240 pupils: £12,500 + 1,240 × £113.75 (£141,050.00) = £153,550.00
    # South 3 schools,   610 pupils:  £7,500 +   610 × £113.75  (£69,387.50) =  £76,887.50
    # East  1 school,    150 pupils:  £2,500 +   150 × £113.75  (£17,062.50) =  £19,562.50
    shares = cluster_shares(
        Decimal("250000.00"),
        Decimal("2500.00"),
        [
            ClusterCount(1, "North", 5, 1240),
            ClusterCount(2, "South", 3, 610),
            ClusterCount(3, "East", 1, 150),
        ],
    )
    assert [s.share for s in shares.shares] == [
        Decimal("153550.00"),
        Decimal("76887.50"),
        Decimal("19562.50"),
    ]
    assert shares.rate_per_pupil == Decimal("113.7500")
    assert shares.total == Decimal("250000.00")


def test_r18_three_clusters_largest_remainder_penny():
    # Pot £100,000.00; fixed £1,500.00 × 7 schools = £10,500.00; £89,500.00 by 1,134 pupils.
    # In pennies, 8,950,000 × pupils / 1,134:
    #   A 700 pupils: 5,524,691.358 -> 5,524,691 (remainder .358)
    #   B 333 pupils: 2,628,174.603 -> 2,628,174 (remainder .603)
    #   C 101 pupils:   797,134.039 ->   797,134 (remainder .039)
    # The floors are 1p short of 8,950,000: the penny goes to B (largest remainder).
    # A £6,000.00 + £55,246.91 = £61,246.91; B £3,000.00 + £26,281.75 = £29,281.75;
    # C £1,500.00 + £7,971.34 = £9,471.34; total £100,000.00.
    shares = cluster_shares(
        Decimal("100000.00"),
        Decimal("1500.00"),
        [ClusterCount(1, "A", 4, 700), ClusterCount(2, "B", 2, 333), ClusterCount(3, "C", 1, 101)],
    )
    assert [(s.fixed, s.per_pupil, s.share) for s in shares.shares] == [
        (Decimal("6000.00"), Decimal("55246.91"), Decimal("61246.91")),
        (Decimal("3000.00"), Decimal("26281.75"), Decimal("29281.75")),
        (Decimal("1500.00"), Decimal("7971.34"), Decimal("9471.34")),
    ]
    assert shares.total == Decimal("100000.00")


def test_r18_equal_remainders_go_to_the_first_cluster():
    # £10,000.00 for 3 pupils, no fixed sum: 3,333.33⅓ each; the missing penny to the first.
    shares = cluster_shares(
        Decimal("10000.00"),
        Decimal("0"),
        [ClusterCount(1, "A", 1, 1), ClusterCount(2, "B", 1, 1), ClusterCount(3, "C", 1, 1)],
    )
    assert [s.share for s in shares.shares] == [
        Decimal("3333.34"),
        Decimal("3333.33"),
        Decimal("3333.33"),
    ]


def test_r18_fixed_sums_more_than_pot_refused():
    with pytest.raises(SharesError, match="more than the pot"):
        cluster_shares(Decimal("1000.00"), Decimal("600.00"), [ClusterCount(1, "A", 2, 10)])


clusters_strategy = st.lists(
    st.tuples(st.integers(1, 12), st.integers(0, 6000)), min_size=1, max_size=9
).filter(lambda cs: sum(p for _, p in cs) > 0)


@settings(max_examples=300, deadline=None)
@given(
    pot_pennies=st.integers(0, 10**11),
    fixed_pennies=st.integers(0, 10**8),
    counts=clusters_strategy,
)
def test_r18_property_shares_add_up_to_pot_and_are_within_a_penny(
    pot_pennies, fixed_pennies, counts
):
    schools = sum(s for s, _ in counts)
    fixed_pennies = min(fixed_pennies, pot_pennies // schools)
    pot = Decimal(pot_pennies) / 100
    fixed = Decimal(fixed_pennies) / 100
    clusters = [ClusterCount(i, f"C{i}", s, p) for i, (s, p) in enumerate(counts)]
    shares = cluster_shares(pot, fixed, clusters)
    assert shares.total == pot
    rest = pot - fixed * schools
    pupils = sum(p for _, p in counts)
    for cluster, share in zip(clusters, shares.shares, strict=True):
        assert share.fixed == fixed * cluster.schools
        exact = rest * cluster.pupils / pupils
        assert abs(share.per_pupil - exact) < Decimal("0.01")
        assert share.share == share.fixed + share.per_pupil
        assert share.share.as_tuple().exponent == -2


@pytest.mark.django_db
def test_r18_division_counts_reception_to_year_11_from_the_census(home_la, fy2025_terms):
    # Pot £30,000.00 + £10,000.00 PSF released = £40,000.00; fixed £4,000.00 a school.
    # Census of 16 Jan 2025: school 1 has 30 nursery, 200 Reception-Y6 (counted);
    # school 2 has 500 in Years 7-11 and 150 sixth form (only the 500 counted);
    # school 3 (another cluster) 300 Reception-Y6. Pupils 1,000; fixed £12,000.00;
    # £28,000.00 / 1,000 = £28.00 a pupil.
    # Alpha: 2 × £4,000 + 700 × £28.00 = £27,600.00; Beta: £4,000 + 300 × £28.00 = £12,400.00.
    from funding.models import FundingScheme

    scheme = FundingScheme.objects.create(la=home_la, financial_year=2025, name="FY 2025-26")
    alpha = factories.ClusterFactory(name="Alpha")
    beta = factories.ClusterFactory(name="Beta")
    s1 = factories.SchoolFactory(la=home_la)
    s2 = factories.SchoolFactory(la=home_la, phase="secondary")
    s3 = factories.SchoolFactory(la=home_la)
    factories.SchoolCensusFactory(school=s1, nursery=30, reception=20, year_1=30, year_6=150)
    factories.SchoolCensusFactory(school=s2, year_7=100, year_11=400, year_12=80, year_13=70)
    factories.SchoolCensusFactory(school=s3, reception=300)
    for cluster, school in ((alpha, s1), (alpha, s2), (beta, s3)):
        factories.ClusterMembershipFactory(cluster=cluster, school=school)
    # A school that left Alpha before the year starts is not counted.
    gone = factories.SchoolFactory(la=home_la)
    factories.SchoolCensusFactory(school=gone, reception=999)
    factories.ClusterMembershipFactory(cluster=alpha, school=gone, ends_on=dt.date(2025, 3, 31))
    pot = ClusterPot.objects.create(
        scheme=scheme,
        base_amount=Decimal("30000"),
        psf_released=Decimal("10000"),
        fixed_sum_per_school=Decimal("4000"),
    )
    result = division(pot)
    assert [(s.name, s.schools, s.pupils, s.share) for s in result.shares.shares] == [
        ("Alpha", 2, 700, Decimal("27600.00")),
        ("Beta", 1, 300, Decimal("12400.00")),
    ]
