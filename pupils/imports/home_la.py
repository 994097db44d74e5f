"""Home LA in the pupil import (R8, R8+): the pupil's home-LA periods once the file's moves are
applied to what is stored.

`home_la_code` with an optional `home_la_from` (a date) records where the pupil lived from that
day, so a file can record a house move (rows of the same pupil then give different LAs with
different `home_la_from`). A row without `home_la_from` gives the home LA before any dated move
in the file: from date of birth for a new pupil; for a stored pupil it must match what is stored
(a file does not silently rewrite who paid: a different LA needs a date, or a correction on the
pupil page). A dated move after the stored current period closes it the day before; one on the
start of a stored period sets that period's LA; one inside an earlier stored period is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pupils.imports.columns import ONE_DAY
from pupils.imports.rows import PupilGroup
from pupils.models import Pupil, PupilHomeLa
from schools.importing import RowError
from schools.models import LocalAuthority


def _period_on(periods: list[PupilHomeLa], day: dt.date) -> PupilHomeLa | None:
    return next(
        (p for p in periods if p.starts_on <= day and (p.ends_on is None or p.ends_on >= day)),
        None,
    )


@dataclass(eq=False)
class _NewHomeLa:
    """A home-LA period the import will create (a model instance per pupil cost seconds)."""

    starts_on: dt.date
    ends_on: dt.date | None
    la_id: int
    pk: None = None


@dataclass
class HomeLaPlan:
    """A pupil's home-LA periods after the import, oldest first; new ones have no pk yet."""

    periods: list[PupilHomeLa | _NewHomeLa]
    changed: list[PupilHomeLa]

    @property
    def latest_la_id(self) -> int:
        return self.periods[-1].la_id


def plan_home_las(
    upn: str,
    pupil: Pupil | None,
    stored_periods: list[PupilHomeLa],
    g: PupilGroup,
    errors: list[RowError],
) -> HomeLaPlan:
    """R8+: the pupil's home-LA periods once the file's moves are applied (see the module
    docstring); a move the stored history cannot take is an error on its row. `pupil` is the
    stored pupil of `upn` (None for a new one), `stored_periods` its stored home-LA periods."""
    first = g.rows[0]
    undated = g.home_las.get(None)
    dated = sorted(((d, r) for d, r in g.home_las.items() if d is not None), key=lambda x: x[0])
    periods = sorted(stored_periods, key=lambda p: p.starts_on) if pupil else []
    if not periods:
        if pupil is not None:  # stored before home LAs were dated
            base = pupil.home_la_id
        else:
            base = (undated or dated[0][1]).home_la.pk
        periods = [_NewHomeLa(first.date_of_birth, None, base)]
    if pupil is not None and undated is not None:
        # the stored LA the undated row speaks for: before the file's first move, or now
        stored = periods[-1] if not dated else _period_on(periods, dated[0][0] - ONE_DAY)
        if stored is not None and stored.la_id != undated.home_la.pk:
            errors.append(RowError(
                undated.number, "home_la_code",
                f"UPN {upn} lives in LA {_la_code(stored)} from "
                f"{stored.starts_on:%d/%m/%Y}; give home_la_from to record a move, or "
                "correct the home LA history on the pupil page",
            ))  # fmt: skip
    changed: list[PupilHomeLa] = []
    for day, r in dated:
        same_start = next((p for p in periods if p.starts_on == day), None)
        last = periods[-1]
        if same_start is not None:
            if same_start.la_id != r.home_la.pk:
                same_start.la_id = r.home_la.pk
                changed.append(same_start)
        elif day > last.starts_on:
            if last.ends_on is not None and last.ends_on < day:
                periods.append(_NewHomeLa(day, None, r.home_la.pk))
            elif last.la_id != r.home_la.pk:
                periods.append(_NewHomeLa(day, last.ends_on, r.home_la.pk))
                last.ends_on = day - ONE_DAY
                changed.append(last)
        else:
            inside = _period_on(periods, day) or periods[0]
            end = f"{inside.ends_on:%d/%m/%Y}" if inside.ends_on else "open"
            errors.append(RowError(
                r.number, "home_la_from",
                f"is inside the stored home LA period {inside.starts_on:%d/%m/%Y} to {end}; "
                "correct the home LA history on the pupil page",
            ))  # fmt: skip
    return HomeLaPlan(
        periods=periods, changed=list({p.pk: p for p in changed if p.pk is not None}.values())
    )


def _la_code(period: PupilHomeLa) -> str:
    if "la" in getattr(getattr(period, "_state", None), "fields_cache", ()):
        return period.la.code
    return LocalAuthority.objects.values_list("code", flat=True).get(pk=period.la_id)
