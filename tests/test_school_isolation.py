"""A school user never sees another school's data, at any URL (DEVELOPERS.md, DOMAIN.md).

One demo LA; a business manager of school A asks every URL in the project for school B's
objects, by GET and by POST. Each answer must refuse (403/404/405), or show a page that names
nothing of school B (its name, its pupils' UPNs) and changes nothing. A URL this file cannot
fill in fails the test: a new URL needs a case here before it lands. Anonymous visitors get
the sign-in page everywhere but the published pages.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from funding.models import AllocationRun, FundingScheme
from pupils.models import Placement, Plan
from schools.models import School

REFUSED = {403, 404, 405}
PUBLIC = {
    "login",
    "logout",
    "reports:public_index",
    "reports:public_statement",
    # Password reset by email: for signed-out users, and shows nothing of any school.
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "glossary",  # the words used in the service: no data of any school
}
SKIPPED_PREFIXES = ("admin:",)  # the admin is for staff: tested in tests/funding/panel


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, list(pattern.pattern.converters)


def all_url_names() -> list[tuple[str, list[str]]]:
    return sorted(
        (name, kwargs)
        for name, kwargs in _walk(get_resolver().url_patterns)
        if not name.startswith(SKIPPED_PREFIXES)
    )


class World:
    """School A (the user's) and school B (someone else's), with B's objects of every kind."""

    def __init__(self):
        self.user = User.objects.get(username="school")
        self.school_a = self.user.school_accesses.get().school
        self.school_b = self._school_b()
        placement = (
            Placement.objects.filter(school=self.school_b, pupil__plans__isnull=False)
            .select_related("pupil")
            .order_by("pk")
            .first()
        )
        self.pupil = placement.pupil
        self.plan = Plan.objects.filter(pupil=self.pupil).order_by("pk").first()
        self.run = AllocationRun.objects.order_by("pk").first()
        self.scheme = FundingScheme.objects.order_by("pk").first()
        self.secret = [self.school_b.name, self.pupil.upn]

    def _school_b(self) -> School:
        returns = apps.get_model("returns", "MonthlyReturn")
        decisions = apps.get_model("panel", "PanelDecision")
        candidates = (
            School.objects.filter(la__is_administering=True, placements__isnull=False)
            .exclude(pk=self.school_a.pk)
            .filter(pk__in=returns.objects.values("school"))
            .filter(pk__in=decisions.objects.values("case__school"))
            .distinct()
            .order_by("urn")
        )
        return candidates.first()

    def first(self, label: str, **filters):
        model = apps.get_model(*label.split("."))
        return model.objects.filter(**filters).order_by("pk").first()

    # -- kwargs for each URL -----------------------------------------------------------------
    def kwargs_for(self, name: str, params: list[str]) -> dict | None:
        values = {}
        for param in params:
            value = self._value(name, param)
            if value is None:
                return None
            values[param] = value
        return values

    def _value(self, name: str, param: str):
        b = self.school_b
        simple = {
            "urn": b.urn,
            "upn": self.pupil.upn,
            "plan_id": self.plan.pk,
            "fy": self.run.financial_year,
            "la_code": self.pupil.home_la.code
            if not self.pupil.home_la.is_administering
            else "936",
            "direction": "charge",
            "kind": "census",  # schools:la_data_import / la_data_template (LA officers only)
            "period": self._pk("payments.PaymentPeriod", lines__school=b) or 0,
        }
        if param in simple:
            return simple[param]
        cluster = self._cluster_of_b()
        by_name = {
            "funding:run_detail": lambda: self.run.pk,
            "funding:run_progress": lambda: self.run.pk,
            "funding:run_lines": lambda: self.run.pk,
            "funding:run_approve": lambda: self.run.pk,
            "funding:scheme_detail": lambda: self.scheme.pk,
            # Scheme history and change pages (LA officers only).
            **{
                f"funding:{n}": lambda: self.scheme.pk
                for n in (
                    *("scheme_history", "scheme_change", "scheme_hourly_rate"),
                    *("scheme_ta_band", "scheme_sen_factor", "scheme_copy"),
                )
            },
            "panel:decision_letter": lambda: self._pk("panel.PanelDecision", case__school=b),
            # The SEN Panel's own pages (LA officers read, panel members write; schools 404).
            "panel:meeting": lambda: self._pk("panel.PanelMeeting", cases__school=b),
            "panel:meeting_attendance": lambda: self._pk("panel.PanelMeeting", cases__school=b),
            "panel:case": lambda: self._pk("panel.PanelCase", school=b),
            "panel:case_decide": lambda: self._pk("panel.PanelCase", school=b),
            "returns:detail": lambda: self._pk("returns.MonthlyReturn", school=b),
            "returns:submit": lambda: self._pk("returns.MonthlyReturn", school=b),
            "returns:check": lambda: self._pk("returns.MonthlyReturn", school=b),
            "returns:submitted": lambda: self._pk("returns.MonthlyReturn", school=b),
            "returns:confirm_remaining": lambda: self._pk("returns.MonthlyReturn", school=b),
            "returns:line_answer": lambda: self._pk("returns.ReturnLine", monthly_return__school=b),
            "returns:line_resolve": lambda: self._pk(
                "returns.ReturnLine", monthly_return__school=b
            ),
            "clusters:aux_decide": lambda: self._others("clusters.AuxiliaryAidsApplication"),
            "payments:invoice": lambda: 1,  # LA-only: 403 before any lookup
            "payments:invoice_update": lambda: 1,
            "payments:payable": lambda: 1,  # LA-only: 403 before any lookup
            "payments:payable_update": lambda: 1,
            **{
                f"scenarios:{n}": lambda: 1
                for n in (
                    *("detail", "edit", "run", "cost_neutral", "compare", "pack"),
                    *("job", "protection", "adopt", "adoption"),
                )
            },  # LA-only: 403 before any lookup  # noqa: E501
        }
        if param == "pk":
            if name in by_name:
                return by_name[name]()
            if name.startswith("clusters:"):
                return cluster.pk if cluster else None
        if param == "group":
            return "awpu"  # funding:scheme_change: LA officers only
        if param == "row":
            return 1  # a scheme's rate (LA officers only): 403 before any lookup
        if param == "request_pk":
            return self._pk("clusters.ClusterRequest", cluster=cluster)
        if param == "meeting_pk":
            return self._pk("clusters.ClusterMeeting", cluster=cluster)
        if param == "job_id":
            return self._import_job()
        return None

    def _import_job(self) -> int:
        """An LA officer's refused pupil import whose problems name school B's pupil."""
        from pupils.models import ImportJob

        job, _ = ImportJob.objects.get_or_create(
            filename="isolation.csv",
            defaults={
                "kind": "pupils",
                "created_by": User.objects.get(username="officer"),
                "status": ImportJob.Status.REJECTED,
                "error_count": 1,
                "errors_shown": [[2, "UPN", f"{self.pupil.upn} is also in row 3"]],
            },
        )
        return job.pk

    def _others(self, label: str):
        """An object of any school but A (when school B has none of this kind)."""
        model = apps.get_model(*label.split("."))
        found = model.objects.exclude(school=self.school_a).order_by("pk").first()
        if found is not None:
            self.secret.append(found.school.name)
        return found.pk if found else None

    def _pk(self, label: str, **filters):
        found = self.first(label, **filters)
        return found.pk if found else None

    def _cluster_of_b(self):
        """A cluster school A is not in, which school B (or another school) belongs to."""
        membership = apps.get_model("clusters", "ClusterMembership")
        mine = membership.objects.filter(school=self.school_a).values("cluster")
        other = membership.objects.exclude(cluster__in=mine).order_by("pk").first()
        return other.cluster if other else None


def _row_counts() -> dict[str, int]:
    """Rows in every table of our apps: a POST that was refused must change none of them."""
    labels = ["schools", "pupils", "clusters", "funding", "panel", "returns", "reports", "spend"]
    return {
        model._meta.label: model.objects.count()
        for label in labels
        for model in apps.get_app_config(label).get_models()
    }


@pytest.fixture
def world(db):
    call_command("seed_demo", pupils=200, stdout=open("/dev/null", "w"))
    return World()


def isolation_problems(client, world) -> tuple[list[str], list[str]]:
    """URLs with no case (missing), and every answer that shows or changes school B's data."""
    problems, missing = [], []
    for name, params in all_url_names():
        if name in PUBLIC:
            continue
        kwargs = world.kwargs_for(name, params)
        if kwargs is None:
            missing.append(f"{name} {params}")
            continue
        url = reverse(name, kwargs=kwargs)
        response = client.get(url)
        if response.status_code not in REFUSED | {302}:
            body = response.content.decode(errors="replace")
            leaked = [s for s in world.secret if s in body]
            if leaked:
                problems.append(f"GET {url} ({response.status_code}) shows {leaked}")
        before = _row_counts()
        response = client.post(url, {})
        after = _row_counts()
        if response.status_code not in REFUSED:
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            if changed:
                problems.append(f"POST {url} ({response.status_code}) changed {changed}")
            body = response.content.decode(errors="replace")
            leaked = [s for s in world.secret if s in body]
            if leaked:
                problems.append(f"POST {url} ({response.status_code}) shows {leaked}")
    return missing, problems


def test_a_school_user_never_sees_or_changes_another_schools_data_at_any_url(world, client):
    client.force_login(world.user)
    missing, problems = isolation_problems(client, world)
    assert (missing, problems) == ([], []), "missing: URLs with no isolation case in World._value"


def test_the_isolation_check_does_see_school_b_for_an_la_officer(world, client):
    """Control: the same walk as an LA officer (who may see every school) finds school B's
    data, so the check above can fail."""
    client.force_login(User.objects.get(username="officer"))
    _, problems = isolation_problems(client, world)
    assert any(f"/schools/{world.school_b.urn}/" in p for p in problems)
    assert any(f"/pupils/{world.pupil.upn}/" in p for p in problems)


def test_anonymous_visitors_are_sent_to_sign_in_everywhere_but_published_pages(world, client):
    problems = []
    for name, params in all_url_names():
        if name in PUBLIC:
            continue
        kwargs = world.kwargs_for(name, params)
        if kwargs is None:
            continue  # reported by the test above
        url = reverse(name, kwargs=kwargs)
        response = client.get(url)
        if response.status_code in (403, 404, 405):
            continue
        if response.status_code != 302 or "/login/" not in response["Location"]:
            problems.append(f"GET {url} answered {response.status_code} to an anonymous visitor")
    assert problems == []
