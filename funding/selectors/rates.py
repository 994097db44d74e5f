"""A year's funding scheme and its rates as plain data for the calculators (R26: dated
rate changes).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet

from funding.calculations.scheme import (
    HourlyRateData,
    SchemeRates,
    SenFactorData,
    TaBandData,
    rate_change_of,
)
from funding.models import FundingScheme
from schools.asat import as_at as rows_as_at
from schools.asat import instance_of
from schools.dates import FinancialYear
from schools.models import LocalAuthority

NO_SCHEME_AS_AT = "The scheme {scheme} did not exist yet as at {as_at}."


def _fy(fy: int | FinancialYear) -> FinancialYear:
    return fy if isinstance(fy, FinancialYear) else FinancialYear(int(fy))


def scheme_for(fy: int | FinancialYear, la: LocalAuthority | None = None) -> FundingScheme | None:
    """The LA's scheme for the year (default: the administering LA's)."""
    fy = _fy(fy)
    qs = FundingScheme.objects.select_related("la").filter(financial_year=fy.start_year)
    qs = qs.filter(la=la) if la is not None else qs.filter(la__is_administering=True)
    return qs.first()


def schemes() -> QuerySet[FundingScheme]:
    return FundingScheme.objects.select_related("la").annotate(run_count=Count("runs"))


def scheme_rates(scheme: FundingScheme, as_at: dt.datetime | None = None) -> SchemeRates:
    """The scheme as plain data for the calculators (three queries for the rate tables).

    With `as_at`, the scheme and its rate tables as they stood at that moment (one query more).
    """
    from funding.models import (
        SCHEME_FIELD_NAMES,
        HourlyRate,
        NotionalSenFactor,
        SchemeRateChange,
        TaHoursBand,
    )

    if as_at is not None:
        then = rows_as_at(FundingScheme, as_at).filter(id=scheme.pk).first()
        if then is None:
            raise FundingScheme.DoesNotExist(
                NO_SCHEME_AS_AT.format(scheme=scheme.name, as_at=f"{as_at:%d %B %Y %H:%M}")
            )
        scheme = instance_of(then)
    values = {name: getattr(scheme, name) for name in SCHEME_FIELD_NAMES}
    values["formula_establishment_types"] = tuple(values["formula_establishment_types"] or ())
    factor_labels = dict(scheme.sen_factors.model._meta.get_field("factor").choices)
    return SchemeRates(
        financial_year=scheme.financial_year,
        name=scheme.name,
        sen_factors=tuple(
            SenFactorData(
                f.factor, f.weight_percent, f.rate_per_pupil, factor_labels.get(f.factor, "")
            )
            for f in rows_as_at(NotionalSenFactor, as_at).filter(scheme_id=scheme.pk).order_by("id")
        ),
        hourly_rates=tuple(
            HourlyRateData(r.role, r.phase, r.hourly_rate, r.weeks_per_year, r.delegated)
            for r in rows_as_at(HourlyRate, as_at)
            .filter(scheme_id=scheme.pk)
            .order_by("phase", "role", "id")
        ),
        ta_bands=tuple(
            TaBandData(b.min_hours, b.amount_from, b.rate_per_hour, b.amount_to, b.label)
            for b in rows_as_at(TaHoursBand, as_at)
            .filter(scheme_id=scheme.pk)
            .order_by("min_hours", "id")
        ),
        # R26: rates changed from a date inside the year (an adopted uplift), in date order.
        rate_changes=tuple(
            rate_change_of(
                c.effective_from,
                c.values,
                rate_change_label(c),
                percent=c.percent,
                rate_set=c.rate_set,
            )
            for c in rows_as_at(SchemeRateChange, as_at)
            .filter(scheme_id=scheme.pk)
            .order_by("effective_from", "id")
        ),
        **values,
    )


def rate_change_label(change) -> str:
    """What a line at a dated change's rates says it was (R26): "uplift 3.2% to hourly
    rates"."""
    what = {"hourly": "hourly rates", "bands": "band values"}.get(change.rate_set, change.rate_set)
    if change.percent is None:
        return f"rates changed: {what}"
    return f"uplift {change.percent.normalize():f}% to {what}"
