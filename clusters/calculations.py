"""R18: the cluster pot divided by a fixed sum per member school plus an amount per pupil on roll
(seed 001 FAQ 2: "based on pupil numbers and a fixed sum per school"; FAQ 22: no need element).
Pure: no ORM.

In whole pennies: each cluster gets the fixed sum × its member schools, and the rest of the pot
is shared by pupils on roll. The per-pupil shares are the floor of each exact share plus one
penny for the largest remainders (ties: the cluster listed first), so the shares are exact to
the penny and add up to the pot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from funding.calculations.money import from_pennies, gbp, num, to_pennies

FIXED_SUMS_EXCEED_POT = (
    "The fixed sums ({fixed} for {schools} schools) are more than the pot ({pot}): lower the "
    "fixed sum per school or add to the pot."
)
NO_PUPILS = "No pupils on roll in any cluster: the per-pupil part of the pot cannot be shared."
RATE_PLACES = Decimal("0.0001")


class SharesError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ClusterCount:
    """A cluster's member schools and pupils on roll for the year's division."""

    cluster_id: int
    name: str
    schools: int
    pupils: int


@dataclass(frozen=True, slots=True)
class ClusterShare:
    cluster_id: int
    name: str
    schools: int
    pupils: int
    fixed: Decimal
    per_pupil: Decimal
    share: Decimal
    working: str

    @property
    def share_per_pupil(self) -> Decimal | None:
        return (self.share / self.pupils).quantize(Decimal("0.01")) if self.pupils else None


@dataclass(frozen=True, slots=True)
class Shares:
    pot: Decimal
    fixed_sum_per_school: Decimal
    fixed_total: Decimal
    per_pupil_pot: Decimal
    pupils: int
    schools: int
    rate_per_pupil: Decimal  # exact to 4 places, for the working
    shares: list[ClusterShare]

    @property
    def total(self) -> Decimal:
        return sum((s.share for s in self.shares), Decimal("0"))


def cluster_shares(
    pot: Decimal, fixed_sum_per_school: Decimal, clusters: Sequence[ClusterCount]
) -> Shares:
    """Divide the pot: fixed sum × schools + the rest of the pot × pupils / all pupils.

    Pot £100,000.00, fixed £1,000.00 a school; A 3 schools 600 pupils, B 2 schools 300 pupils,
    C 1 school 100 pupils (1,000 pupils, 6 schools): fixed £6,000.00, £94,000.00 by pupils at
    £94.00 each: A £3,000 + £56,400 = £59,400.00; B £2,000 + £28,200 = £30,200.00;
    C £1,000 + £9,400 = £10,400.00; total £100,000.00.
    """
    pot_p = to_pennies(pot)
    fixed_p = to_pennies(fixed_sum_per_school)
    schools = sum(c.schools for c in clusters)
    pupils = sum(c.pupils for c in clusters)
    fixed_total_p = fixed_p * schools
    if fixed_total_p > pot_p:
        raise SharesError(
            FIXED_SUMS_EXCEED_POT.format(
                fixed=gbp(from_pennies(fixed_total_p)), schools=schools, pot=gbp(pot)
            )
        )
    rest_p = pot_p - fixed_total_p
    if pupils == 0:
        if rest_p and clusters:
            raise SharesError(NO_PUPILS)
        pupil_parts = [0 for _ in clusters]
    else:
        numerators = [rest_p * c.pupils for c in clusters]
        pupil_parts = [n // pupils for n in numerators]
        missing = rest_p - sum(pupil_parts)
        order = sorted(range(len(clusters)), key=lambda i: (-(numerators[i] % pupils), i))
        for i in order[:missing]:
            pupil_parts[i] += 1
    rate = (Decimal(rest_p) / 100 / pupils).quantize(RATE_PLACES) if pupils else Decimal("0.0000")
    out = []
    for cluster, part_p in zip(clusters, pupil_parts, strict=True):
        fixed = from_pennies(fixed_p * cluster.schools)
        per_pupil = from_pennies(part_p)
        share = fixed + per_pupil
        working = (
            f"{gbp(fixed_sum_per_school)} × {num(cluster.schools)} schools = {gbp(fixed)}; "
            f"{gbp(from_pennies(rest_p))} × {num(cluster.pupils)}/{num(pupils)} pupils "
            f"(£{rate:,} a pupil) = {gbp(per_pupil)}; share {gbp(share)}"
        )
        out.append(
            ClusterShare(
                cluster.cluster_id,
                cluster.name,
                cluster.schools,
                cluster.pupils,
                fixed,
                per_pupil,
                share,
                working,
            )
        )
    return Shares(
        pot=from_pennies(pot_p),
        fixed_sum_per_school=from_pennies(fixed_p),
        fixed_total=from_pennies(fixed_total_p),
        per_pupil_pot=from_pennies(rest_p),
        pupils=pupils,
        schools=schools,
        rate_per_pupil=rate,
        shares=out,
    )


@dataclass(frozen=True, slots=True)
class CensusRoll:
    """The year groups of a census (from `schools.SchoolCensus`)."""

    nursery: int = 0
    reception_to_year_11: int = 0
    sixth_form: int = 0


def roll(census: CensusRoll, *, nursery: bool = False, sixth_form: bool = False) -> int:
    """R18's pupils on roll: Reception to Year 11, plus nursery / sixth form if the scheme says."""
    return (
        census.reception_to_year_11
        + (census.nursery if nursery else 0)
        + (census.sixth_form if sixth_form else 0)
    )


@dataclass(frozen=True, slots=True)
class Budget:
    """A cluster's money for the year: its share, what is committed, spent and left."""

    share: Decimal
    committed: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.share - self.committed - self.spent
