"""Reads for pupils: who may see whom, list rows, home LAs and annual reviews (R10); the pupil
timeline is in `pupils.timeline` (its names are importable from here too).

Every function here makes a fixed number of queries whatever the number of rows: "current"
placements, plans and support levels are worked out with subqueries for filtering and sorting,
and with filtered prefetches for display.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from pupils.models import Placement, Plan, Pupil, PupilHomeLa, SupportLevel
from pupils.timeline import HistoryNote, history_by_id, stamp_entry
from pupils.timeline import TimelineEntry as TimelineEntry  # re-exported: funding/ uses it
from pupils.timeline import pupil_timeline as pupil_timeline  # re-exported: pupils.views
from schools.access import visible_schools
from schools.db import ids_in
from schools.models import School
from schools.roles import is_la_officer, is_panel_member, is_school_user

REVIEW_HORIZON = dt.timedelta(weeks=6)


def today() -> dt.date:
    return timezone.localdate()


# --- who may see pupils -----------------------------------------------------------------------


def can_see_all_pupils(user) -> bool:
    """LA officers and SEN Panel members see every pupil (panel members read-only)."""
    return is_la_officer(user) or is_panel_member(user)


def can_see_pupil_pages(user) -> bool:
    """Cluster hosts see no pupil pages (unless they hold another role that does)."""
    return can_see_all_pupils(user) or is_school_user(user)


def placement_in_force(on: dt.date, prefix: str = "placements__") -> FilteredRelation:
    """The pupil's placement in force on `on` as a join (placements never overlap, so at most
    one row: PostgreSQL's exclusion constraint guarantees it)."""
    condition = Q(**{f"{prefix}starts_on__lte": on}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": on})
    )
    return FilteredRelation(prefix.removesuffix("__"), condition=condition)


def by_current_school(qs: QuerySet[Pupil], on: dt.date, *, descending: bool = False):
    """Sort by the name of the school the pupil is on roll at on `on` (pupils not on roll
    last), then by name.

    The placement and school are joined for the ordering alone (an alias, not an annotation):
    the paginator's count drops the ordering and so counts the filtered pupils without the
    two joins (they cannot change the count: at most one placement is in force on a day).
    """
    name = F("placement_now__school__name")
    return qs.alias(placement_now=placement_in_force(on)).order_by(
        name.desc(nulls_last=True) if descending else name.asc(nulls_last=True),
        "family_name",
        "given_name",
        "pk",
    )


def on_roll_at(schools, on: dt.date, pupil_ref: str = "pk") -> Exists:
    """True for a pupil on roll on `on` at one of `schools` (a queryset, or one school)."""
    placements = Placement.objects.filter(placements_in_force(on), pupil=OuterRef(pupil_ref))
    if isinstance(schools, QuerySet):
        placements = placements.filter(school__in=schools)
    else:
        placements = placements.filter(school=schools)
    return Exists(placements)


def visible_pupils(user, on: dt.date | None = None) -> QuerySet[Pupil]:
    """Pupils the user may see.

    LA officers and panel members: everyone. A school business manager: pupils on roll at one
    of their schools on `on`. Anyone else: nobody.
    """
    on = on or today()
    if can_see_all_pupils(user):
        return Pupil.objects.all()
    if is_school_user(user):
        return Pupil.objects.filter(on_roll_at(visible_schools(user), on))
    return Pupil.objects.none()


def school_ids_for_timeline(user) -> set[int] | None:
    """None: every school's rows may be shown; else only rows at these schools."""
    if can_see_all_pupils(user):
        return None
    return set(visible_schools(user).values_list("pk", flat=True))


# --- "in force on a date" building blocks -------------------------------------------------------


def placements_in_force(on: dt.date) -> Q:
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def plans_in_force(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}issued_on__lte": on}) & (
        Q(**{f"{prefix}ceased_on__isnull": True}) | Q(**{f"{prefix}ceased_on__gte": on})
    )


def support_in_force(on: dt.date) -> Q:
    return Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gte=on))


def pupils_with_plan_in_force(qs: QuerySet[Pupil], on: dt.date, **plan_filters) -> QuerySet:
    plans = Plan.objects.filter(plans_in_force(on), pupil=OuterRef("pk"), **plan_filters)
    return qs.filter(Exists(plans))


def pupils_with_support_in_force(qs: QuerySet[Pupil], on: dt.date, **filters) -> QuerySet:
    levels = (
        SupportLevel.objects.filter(support_in_force(on), plan__pupil=OuterRef("pk"))
        .filter(plans_in_force(on, prefix="plan__"))
        .annotate(
            total_hours=F("lsa_hours") + F("lst_hours") + F("ta_hours"),
            # the same sum, for an upper bound estimated apart from a lower one (filters.py)
            hours_summed_backwards=F("ta_hours") + F("lst_hours") + F("lsa_hours"),
        )
        .filter(**filters)
    )
    return qs.filter(Exists(levels))


def with_display_rows(
    qs: QuerySet[Pupil], on: dt.date, *, list_columns: bool = False
) -> QuerySet[Pupil]:
    """Prefetch what a list row shows: the placement to date, the plan and support in force.

    Three queries for a whole page, whatever its length. The lists land on `placements_to_date`
    (latest first), `plans_in_force` and, on each plan, `support_in_force`. With
    `list_columns`, only the columns a list row and its export read (`pupils.tables`): not the
    school's, the plan's or the support's other columns, nor the plan's caseworker.
    """
    placements = Placement.objects.filter(starts_on__lte=on).select_related("school")
    plans = Plan.objects.filter(plans_in_force(on))
    levels = SupportLevel.objects.filter(support_in_force(on))
    if list_columns:
        placements = placements.only("pupil", "starts_on", "ends_on", "school__name")
        plans = plans.only("pupil", "kind", "primary_need", "annual_review_due")
        levels = levels.only(
            "plan", "lsa_hours", "lst_hours", "ta_hours", "band", "resource_amount"
        )
    else:
        plans = plans.select_related("caseworker")
    return qs.select_related("home_la").prefetch_related(
        Prefetch(
            "placements",
            queryset=placements.order_by("-starts_on"),
            to_attr="placements_to_date",
        ),
        Prefetch(
            "plans",
            queryset=plans.prefetch_related(
                Prefetch("support_levels", queryset=levels, to_attr="support_in_force")
            ),
            to_attr="plans_in_force",
        ),
    )


def pupil_list(user, on: dt.date | None = None) -> QuerySet[Pupil]:
    """The pupils list: visible pupils with what each row shows, in name order.

    No join for the school: a page's rows get theirs from the prefetch; sorting by school
    joins it (`by_current_school`).
    """
    on = on or today()
    return with_display_rows(visible_pupils(user, on), on, list_columns=True).order_by(
        "family_name", "given_name", "pk"
    )


def school_pupils_with_plans(school, on: dt.date | None = None) -> QuerySet[Pupil]:
    """Pupils on roll at `school` on `on` who have a plan in force that day."""
    on = on or today()
    qs = pupils_with_plan_in_force(Pupil.objects.filter(on_roll_at(school, on)), on)
    return with_display_rows(qs, on, list_columns=True).order_by("family_name", "given_name", "pk")


# --- home LA (R8, R8+) -------------------------------------------------------------------------

HomeLaPeriod = tuple[dt.date, dt.date | None, int]


def _overlaps(starts_on: dt.date, ends_on: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return starts_on <= end and (ends_on is None or ends_on >= start)


def home_la_periods(
    pupil_ids, start: dt.date, end: dt.date, *, as_at: dt.datetime | None = None
) -> dict[int, list[HomeLaPeriod]]:
    """R8+: who paid for each pupil when. pupil id → [(starts_on, ends_on, la_id)], oldest
    first, of the periods overlapping `start`..`end` (inclusive; the periods are not clipped).

    Every pupil found is a key (its list may be empty). A pupil with no dated period at all
    (recorded before home LAs were dated, or created without the service) has one period from
    date of birth in its `Pupil.home_la`.

    `as_at`: the periods as they were recorded at that moment (from the history tables), so an
    old allocation run can be reproduced. One query without `as_at`; two with it.
    """
    if as_at is not None:
        return _home_la_periods_as_at(pupil_ids, start, end, as_at)
    return home_la_periods_from_rows(home_la_period_rows(pupil_ids, start, end), start, end)


def home_la_period_rows(pupil_ids, start: dt.date, end: dt.date) -> QuerySet:
    """The one query of `home_la_periods` (live, not as at a moment): a `values_list` a caller
    may run itself (e.g. beside other reads) and hand to `home_la_periods_from_rows`."""
    overlapping = Q(home_la_periods__starts_on__lte=end) & (
        Q(home_la_periods__ends_on__isnull=True) | Q(home_la_periods__ends_on__gte=start)
    )
    return (
        Pupil.objects.filter(pk__in=pupil_ids)
        .annotate(
            period=FilteredRelation("home_la_periods", condition=overlapping),
            dated=Exists(PupilHomeLa.objects.filter(pupil=OuterRef("pk"))),
        )
        .order_by("pk", "period__starts_on")
        .values_list(
            "pk",
            "date_of_birth",
            "home_la_id",
            "dated",
            "period__starts_on",
            "period__ends_on",
            "period__la_id",
        )
    )


def home_la_periods_from_rows(rows, start: dt.date, end: dt.date) -> dict[int, list[HomeLaPeriod]]:
    """`home_la_periods` from the rows of `home_la_period_rows`."""
    result: dict[int, list[HomeLaPeriod]] = {}
    for pk, dob, home_la_id, dated, starts_on, ends_on, la_id in rows:
        periods = result.setdefault(pk, [])
        if not dated:
            if _overlaps(dob, None, start, end):
                periods.append((dob, None, home_la_id))
        elif starts_on is not None:
            periods.append((starts_on, ends_on, la_id))
    return result


def _home_la_periods_as_at(pupil_ids, start, end, as_at) -> dict[int, list[HomeLaPeriod]]:
    """`home_la_periods` from the history: each period's newest record at `as_at` (deleted
    ones dropped); pupils with none fall back to their own home LA as it was then. The ids go
    as one array parameter (`schools.db.ids_in`), not a placeholder each."""
    ids = list(pupil_ids)
    recorded = (
        PupilHomeLa.history.as_of(as_at)
        .filter(ids_in("pupil_id", ids))
        .order_by("pupil_id", "starts_on")
        .values_list("pupil_id", "starts_on", "ends_on", "la_id")
    )
    result: dict[int, list[HomeLaPeriod]] = {}
    for pk, starts_on, ends_on, la_id in recorded:
        periods = result.setdefault(pk, [])
        if _overlaps(starts_on, ends_on, start, end):
            periods.append((starts_on, ends_on, la_id))
    undated = [pk for pk in ids if pk not in result]
    if undated:
        for pk, dob, home_la_id in (
            Pupil.history.as_of(as_at)
            .filter(ids_in("id", undated))
            .values_list("id", "date_of_birth", "home_la_id")
        ):
            result[pk] = [(dob, None, home_la_id)] if _overlaps(dob, None, start, end) else []
    return result


@dataclass
class HomeLaRow:
    """A home-LA period as the pupil page shows it, with who recorded and corrected it."""

    starts_on: dt.date
    ends_on: dt.date | None
    la_name: str
    la_code: str
    recorded_by: str = ""
    recorded_at: dt.datetime | None = None
    reason: str = ""
    backdated: bool = False
    history: list[HistoryNote] = field(default_factory=list)


def home_la_history(pupil: Pupil) -> list[HomeLaRow]:
    """The pupil's home LAs, newest first, each with its history (two queries). A pupil with
    no dated period shows its home LA from date of birth."""
    periods = list(pupil.home_la_periods.select_related("la", "recorded_by"))
    if not periods:
        return [
            HomeLaRow(
                starts_on=pupil.date_of_birth,
                ends_on=None,
                la_name=pupil.home_la.name,
                la_code=pupil.home_la.code,
                reason="Home LA from date of birth",
            )
        ]
    notes = history_by_id(PupilHomeLa, [p.pk for p in periods])
    rows = []
    for period in periods:
        row = HomeLaRow(
            starts_on=period.starts_on,
            ends_on=period.ends_on,
            la_name=period.la.name,
            la_code=period.la.code,
            backdated=period.is_backdated,
        )
        stamp_entry(row, period, notes.get(period.pk, []))
        rows.append(row)
    return sorted(rows, key=lambda r: r.starts_on, reverse=True)


# --- annual reviews (R10) -----------------------------------------------------------------------


def reviews_due(user, on: dt.date | None = None, horizon: dt.timedelta = REVIEW_HORIZON):
    """Plans in force whose annual review is overdue or due within `horizon` (six weeks),
    soonest (most overdue) first. A school business manager sees only their own schools'.

    Each plan's pupil carries `placements_now` (the placement in force, with its school) from
    a prefetch; `with_review_school` joins the school when sorting by it.
    """
    on = on or today()
    qs = (
        Plan.objects.filter(plans_in_force(on))
        .filter(annual_review_due__isnull=False, annual_review_due__lte=on + horizon)
        .select_related("pupil", "caseworker")
        # only what a row and its export read (pupils.tables.ReviewTable)
        .only(
            "kind",
            "annual_review_due",
            "pupil__upn",
            "pupil__given_name",
            "pupil__family_name",
            "caseworker__first_name",
            "caseworker__last_name",
            "caseworker__username",
        )
        .prefetch_related(
            Prefetch(
                "pupil__placements",
                queryset=Placement.objects.filter(placements_in_force(on))
                .select_related("school")
                .only("pupil", "school__name"),
                to_attr="placements_now",
            )
        )
        .order_by("annual_review_due", "pk")
    )
    if can_see_all_pupils(user):
        return qs
    if is_school_user(user):
        return qs.filter(on_roll_at(visible_schools(user), on, pupil_ref="pupil"))
    return qs.none()


def with_review_school(plans: QuerySet[Plan], on: dt.date | None = None) -> QuerySet[Plan]:
    """Annotate the school each plan's pupil is on roll at (a join, for sorting and grouping)."""
    on = on or today()
    return plans.annotate(
        placement_now=placement_in_force(on, prefix="pupil__placements__")
    ).annotate(
        school_name=F("placement_now__school__name"),
        school_urn=F("placement_now__school__urn"),
    )


def review_counts(plans: QuerySet[Plan], on: dt.date | None = None) -> dict[str, int]:
    """Overdue and due-soon counts of a reviews queryset (one query)."""
    on = on or today()
    return plans.order_by().aggregate(
        overdue=Count("pk", filter=Q(annual_review_due__lt=on)),
        due_soon=Count("pk", filter=Q(annual_review_due__gte=on)),
    )


def _review_counts_by_school_and_caseworker(plans: QuerySet[Plan], on: dt.date) -> list[dict]:
    """Overdue and due-soon counts of `plans` by (school on roll at on `on`, caseworker).

    SQL around the plans' own query: the ORM can only reach a plan's placements through the
    pupils table, and that extra join over every plan doubled the query (2x at 25,000
    plans); here the placement in force joins straight onto the plan's `pupil_id`.
    """
    try:
        plans_sql, plans_params = (
            plans.order_by()
            .prefetch_related(None)
            .values_list("pupil_id", "caseworker_id", "annual_review_due")
            .query.sql_with_params()
        )
    except EmptyResultSet:
        return []
    placements = connections[plans.db].ops.quote_name(Placement._meta.db_table)
    sql = f"""
        SELECT placement.school_id, plan.caseworker_id,
               COUNT(*) FILTER (WHERE plan.annual_review_due < %s),
               COUNT(*) FILTER (WHERE plan.annual_review_due >= %s)
        FROM ({plans_sql}) AS plan
        LEFT JOIN {placements} AS placement
          ON placement.pupil_id = plan.pupil_id
         AND placement.starts_on <= %s
         AND (placement.ends_on IS NULL OR placement.ends_on >= %s)
        GROUP BY 1, 2
    """  # noqa: S608 - only the ORM's own SQL and a quoted table name are interpolated
    with connections[plans.db].cursor() as cursor:
        cursor.execute(sql, [on, on, *plans_params, on, on])
        return [
            {
                "placement_now__school_id": school_id,
                "caseworker_id": caseworker_id,
                "overdue": overdue,
                "due_soon": due_soon,
            }
            for school_id, caseworker_id, overdue, due_soon in cursor.fetchall()
        ]


@dataclass
class ReviewCount:
    label: str
    overdue: int = 0
    due_soon: int = 0


@dataclass
class ReviewSummary:
    overdue: int
    due_soon: int
    by_school: list[ReviewCount]
    by_caseworker: list[ReviewCount]
    schools: int


def review_summary(
    plans: QuerySet[Plan], on: dt.date | None = None, top_schools: int = 10
) -> ReviewSummary:
    """Totals, the schools with the most overdue reviews, and every caseworker.

    One aggregate grouped by ids, then the names of the schools and caseworkers it found.
    """
    on = on or today()
    rows = _review_counts_by_school_and_caseworker(plans, on)
    caseworker_ids = {row["caseworker_id"] for row in rows} - {None}
    caseworker_names = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in=caseworker_ids)
    }
    school_counts: dict[int | None, list[int]] = {}
    caseworkers: dict[int | None, ReviewCount] = {}
    overdue = due_soon = 0
    for row in rows:
        overdue += row["overdue"]
        due_soon += row["due_soon"]
        counts = school_counts.setdefault(row["placement_now__school_id"], [0, 0])
        counts[0] += row["overdue"]
        counts[1] += row["due_soon"]
        caseworker_id = row["caseworker_id"]
        count = caseworkers.setdefault(
            caseworker_id, ReviewCount(caseworker_names.get(caseworker_id, "Not assigned"))
        )
        count.overdue += row["overdue"]
        count.due_soon += row["due_soon"]
    # Only the top schools are shown: names are read for them and for any school tied with
    # the last of them (ties go by name), not for every school in the LA.
    ranked = sorted(school_counts.items(), key=lambda item: (-item[1][0], -item[1][1]))
    if top_schools > 0 and ranked:
        last = ranked[min(top_schools, len(ranked)) - 1][1]
        shown = [(key, c) for key, c in ranked if (-c[0], -c[1]) <= (-last[0], -last[1])]
    else:
        shown = []
    school_names = dict(
        School.objects.filter(pk__in={key for key, _c in shown} - {None}).values_list("pk", "name")
    )
    by_school = sorted(
        (
            ReviewCount(school_names.get(key, "Not on roll anywhere"), c[0], c[1])
            for key, c in shown
        ),
        key=lambda c: (-c.overdue, -c.due_soon, c.label),
    )
    return ReviewSummary(
        overdue=overdue,
        due_soon=due_soon,
        by_school=by_school[:top_schools],
        by_caseworker=sorted(caseworkers.values(), key=lambda c: c.label),
        schools=len(school_counts),
    )
