"""The LA data imports an officer uploads from a page or a command, one small module per kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from schools.imports import band_rates, census, notional_sen, places, school_users, term_dates


@dataclass(frozen=True)
class ImportKind:
    slug: str
    title: str
    summary: str
    importer: Callable
    columns: list[str]
    allowed: dict[str, str]
    examples: list[list[str]]


KINDS = {
    kind.slug: kind
    for kind in (
        ImportKind(
            "term-dates", "Term dates and closure days",
            "An LA's terms (half terms) and closure days for each academic year in the file. "
            "The file replaces the calendar of every academic year it names.",
            term_dates.term_dates_import, term_dates.COLUMNS, term_dates.ALLOWED,
            term_dates.EXAMPLES,
        ),
        ImportKind(
            "census", "School census figures",
            "Numbers on roll by year group and formula factor counts, by school and census "
            "date. The DfE's school-level census file is accepted as it comes.",
            census.census_import, census.COLUMNS, census.ALLOWED, census.EXAMPLES,
        ),
        ImportKind(
            "planned-places", "Planned places and occupancy",
            "Planned places per academic year by school and provision, with occupancy.",
            places.planned_places_import, places.COLUMNS, places.ALLOWED, places.EXAMPLES,
        ),
        ImportKind(
            "band-rates", "Special school band rates",
            "Each special school's annual top-up rate per band, per financial year.",
            band_rates.band_rates_import, band_rates.COLUMNS, band_rates.ALLOWED,
            band_rates.EXAMPLES,
        ),
        ImportKind(
            "notional-sen", "Notional SEN budgets (amounts per school)",
            "Each school's notional SEN budget for a financial year as the LA gives it (the "
            "amounts in its Authority Proforma Tool). A school with an amount for the year gets "
            "that amount as its notional SEN line instead of factor × rate.",
            notional_sen.notional_sen_import, notional_sen.COLUMNS, notional_sen.ALLOWED,
            notional_sen.EXAMPLES,
        ),
        ImportKind(
            "school-users", "School users (business managers)",
            "School business managers and the schools they may see. Each new user gets an "
            "e-mail with a link to choose their own password; nobody types a password for them.",
            school_users.school_users_import, school_users.COLUMNS, school_users.ALLOWED,
            school_users.EXAMPLES,
        ),
    )
}  # fmt: skip
