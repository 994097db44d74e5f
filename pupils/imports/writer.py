"""Writing a checked pupil file: what is stored for the file's pupils is loaded once, the rows
are checked against it, then pupils, home-LA periods, placements, plans and support levels are
created or updated (matched by UPN, pupil + placement_start, pupil + plan_issued and
plan + support_from); an unchanged row is left alone, so re-importing a file changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from simple_history.utils import bulk_update_with_history

from pupils.imports.bulk_writes import copy_create, validate_fields, validate_values
from pupils.imports.columns import ONE_DAY, REASON
from pupils.imports.corrections import (
    refuse_overlapping_stored_supports,
    supersede_supports_not_in_file,
)
from pupils.imports.home_la import HomeLaPlan, plan_home_las
from pupils.imports.rows import PupilGroup, overlaps
from pupils.models import Placement, Plan, Pupil, PupilHomeLa, SupportLevel
from schools.importing import ImportResult, RowError


def _by_owner(stored: dict) -> dict[int, list]:
    """{(owner id, date): row} as {owner id: [(date, row), ...]}."""
    index: dict[int, list] = defaultdict(list)
    for (owner, day), row in stored.items():
        index[owner].append((day, row))
    return index


class ImportWriter:
    """What the checked rows change: loads what is stored for the file's pupils, checks the rows
    against it (`check_against_database`), then creates or updates each kind (`write`)."""

    def __init__(
        self,
        groups: dict[str, PupilGroup],
        user,
        result: ImportResult,
        *,
        replace_periods: bool = False,
    ):
        self.groups = groups
        self.replace_periods = replace_periods
        self.reason = REASON
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.result = result
        upns = list(groups)
        self.pupils = Pupil.objects.in_bulk(upns, field_name="upn")
        ids = [p.pk for p in self.pupils.values()]
        self.pupil_ids: dict[str, int] = {upn: p.pk for upn, p in self.pupils.items()}
        self.placements: dict[tuple[int, dt.date], Placement] = {
            (p.pupil_id, p.starts_on): p for p in Placement.objects.filter(pupil_id__in=ids)
        }
        self.plans: dict[tuple[int, dt.date], Plan] = {
            (p.pupil_id, p.issued_on): p for p in Plan.objects.filter(pupil_id__in=ids)
        }
        self.supports: dict[tuple[int, dt.date], SupportLevel] = {
            (s.plan_id, s.effective_from): s
            for s in SupportLevel.objects.filter(plan__pupil_id__in=ids)
        }
        self.home_las: dict[int, list[PupilHomeLa]] = defaultdict(list)
        for period in PupilHomeLa.objects.filter(pupil_id__in=ids).select_related("la"):
            self.home_las[period.pupil_id].append(period)
        self.home_la_plans: dict[str, HomeLaPlan] = {}
        self.plan_ids: dict[tuple[int, dt.date], int] = {k: p.pk for k, p in self.plans.items()}
        # The stored rows of each pupil (placements, plans) and plan (supports), so checking a
        # pupil looks at its own rows, not every stored row (quadratic: minutes at 100,000).
        self.stored_of = {
            name: _by_owner(stored)
            for name, stored in (
                ("placements", self.placements),
                ("plans", self.plans),
                ("supports", self.supports),
            )
        }

    def _ceased(self, g: PupilGroup) -> dict[dt.date, dt.date | None]:
        """A later plan in the file ends the earlier one the day before it is issued."""
        issued = sorted(g.plans)
        return {
            d: (issued[i + 1] - ONE_DAY if i + 1 < len(issued) else None)
            for i, d in enumerate(issued)
        }

    def check_against_database(self, errors: list[RowError]) -> None:
        """Rows already stored but not in the file must not overlap the file's rows."""
        for upn, g in self.groups.items():
            pupil = self.pupils.get(upn)
            stored_home_las = self.home_las.get(pupil.pk, []) if pupil else []
            self.home_la_plans[upn] = plan_home_las(upn, pupil, stored_home_las, g, errors)
            if pupil is None:
                continue
            for start, stored in self.stored_of["placements"].get(pupil.pk, ()):
                if start in g.placements:
                    continue
                for r in g.placements.values():
                    if overlaps(
                        stored.starts_on, stored.ends_on, r.placement_start, r.placement_end
                    ):
                        errors.append(
                            RowError(
                                r.number,
                                "placement_start",
                                f"overlaps the stored placement at {stored.school.name} from "
                                f"{stored.starts_on:%d/%m/%Y}",
                            )
                        )
            if not self.replace_periods:
                refuse_overlapping_stored_supports(self, pupil, g, errors)
            ceased = self._ceased(g)
            for issued, stored in self.stored_of["plans"].get(pupil.pk, ()):
                if issued in g.plans:
                    continue
                for d, r in g.plans.items():
                    if overlaps(stored.issued_on, stored.ceased_on, d, ceased[d]):
                        errors.append(
                            RowError(
                                r.number,
                                "plan_issued",
                                f"overlaps the stored plan issued {stored.issued_on:%d/%m/%Y}",
                            )
                        )

    def write(self) -> None:
        self._write_pupils()
        self._write_home_las()
        self._write_placements()
        self._write_plans()
        if self.replace_periods:
            supersede_supports_not_in_file(self)
        self._write_supports()

    def _upsert(
        self, model, label: str, wanted: list[tuple[object | None, dict]], fields: list[str]
    ):
        to_create, to_update = [], []
        for existing, values in wanted:
            if existing is None:
                to_create.append(values)
            elif any(getattr(existing, f) != values[f] for f in fields):
                for f in fields:
                    setattr(existing, f, values[f])
                to_update.append(existing)
            else:
                self.result.count("unchanged", label)
        validate_values(model, to_create)
        validate_fields(model, to_update)
        created = copy_create(model, to_create, self.user)
        if to_update:
            bulk_update_with_history(
                to_update,
                model,
                fields,
                batch_size=500,
                default_user=self.user,
                default_change_reason="Pupil import",
            )
        self.result.count("created", label, len(to_create))
        self.result.count("updated", label, len(to_update))
        return created

    def _write_pupils(self) -> None:
        fields = ["given_name", "family_name", "date_of_birth", "home_la_id"]
        wanted = []
        for upn, g in self.groups.items():
            r = g.rows[0]
            values = {
                "upn": upn,
                "given_name": r.given_name,
                "family_name": r.family_name,
                "date_of_birth": r.date_of_birth,
                "home_la_id": self.home_la_plans[upn].latest_la_id,
            }
            wanted.append((self.pupils.get(upn), values))
        created = self._upsert(Pupil, "pupils", wanted, fields)
        self.pupil_ids.update((values["upn"], values["id"]) for values in created)

    def _write_home_las(self) -> None:
        """Close or correct stored periods first (so none overlaps), then add the new ones."""
        to_create, to_update, unchanged = [], [], 0
        recorded_by = self.user.pk if self.user is not None else None
        for upn, plan in self.home_la_plans.items():
            pupil_id = self.pupil_ids[upn]
            for period in plan.periods:
                if period.pk is None:
                    to_create.append({
                        "pupil_id": pupil_id,
                        "la_id": period.la_id,
                        "starts_on": period.starts_on,
                        "ends_on": period.ends_on,
                        "recorded_by_id": recorded_by,
                        "reason": REASON,
                    })  # fmt: skip
                elif period in plan.changed:
                    to_update.append(period)
                else:
                    unchanged += 1
        validate_values(PupilHomeLa, to_create)
        validate_fields(PupilHomeLa, to_update)
        if to_update:
            bulk_update_with_history(
                to_update,
                PupilHomeLa,
                ["ends_on", "la"],
                batch_size=500,
                default_user=self.user,
                default_change_reason="Pupil import",
            )
        copy_create(PupilHomeLa, to_create, self.user)
        label = "home LA periods"
        self.result.count("created", label, len(to_create))
        self.result.count("updated", label, len(to_update))
        if unchanged:
            self.result.count("unchanged", label, unchanged)

    def _write_placements(self) -> None:
        fields = ["school_id", "ends_on", "kind", "admission_kind"]
        wanted = []
        for upn, g in self.groups.items():
            pupil_id = self.pupil_ids[upn]
            for start, r in g.placements.items():
                values = {
                    "pupil_id": pupil_id,
                    "starts_on": start,
                    "school_id": r.school.pk,
                    "ends_on": r.placement_end,
                    "kind": r.placement_kind,
                    "admission_kind": r.admission_kind,
                    "recorded_by_id": self.user.pk if self.user is not None else None,
                    "reason": REASON,
                }
                wanted.append((self.placements.get((pupil_id, start)), values))
        self._upsert(Placement, "placements", wanted, fields)

    def _write_plans(self) -> None:
        fields = ["kind", "annual_review_due", "ceased_on"]
        wanted = []
        for upn, g in self.groups.items():
            pupil_id = self.pupil_ids[upn]
            ceased = self._ceased(g)
            for issued, r in g.plans.items():
                values = {
                    "pupil_id": pupil_id,
                    "issued_on": issued,
                    "kind": r.plan_kind,
                    "annual_review_due": r.annual_review_due,
                    "ceased_on": ceased[issued],
                    "recorded_by_id": self.user.pk if self.user is not None else None,
                    "reason": REASON,
                }
                wanted.append((self.plans.get((pupil_id, issued)), values))
        created = self._upsert(Plan, "plans", wanted, fields)
        self.plan_ids.update(((v["pupil_id"], v["issued_on"]), v["id"]) for v in created)

    def _write_supports(self) -> None:
        fields = ["effective_to", "lsa_hours", "lst_hours", "ta_hours", "band", "resource_amount"]
        wanted = []
        for upn, g in self.groups.items():
            pupil_id = self.pupil_ids[upn]
            for (issued, start), r in g.supports.items():
                plan_id = self.plan_ids[(pupil_id, issued)]
                lsa, lst, ta = r.hours
                values = {
                    "plan_id": plan_id,
                    "effective_from": start,
                    "effective_to": r.support_to,
                    "lsa_hours": lsa,
                    "lst_hours": lst,
                    "ta_hours": ta,
                    "band": r.band,
                    "resource_amount": r.resource_amount,
                    "recorded_by_id": self.user.pk if self.user is not None else None,
                    "reason": REASON,
                }
                wanted.append((self.supports.get((plan_id, start)), values))
        self._upsert(SupportLevel, "support levels", wanted, fields)
