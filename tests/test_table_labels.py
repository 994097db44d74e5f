"""Every table's scrolling region has its own name for screen readers: the wrapper in
templates/tables/govuk_table.html is a focusable region (it scrolls sideways on narrow
screens) named by the table's `aria_label`, so two tables on one page (scenario compare,
import/export) are not both announced as "Table"."""

from __future__ import annotations

import importlib

import django_tables2 as tables
from django.test import RequestFactory

MODULES = [
    "funding.tables",
    "funding.spend.tables",
    "funding.scenarios.tables",
    "funding.returns.tables",
    "funding.payments.tables",
    "funding.reports.tables",
    "funding.panel.tables",
    "schools.tables",
    "pupils.tables",
    "clusters.tables",
]


def _project_tables() -> list[type]:
    for name in MODULES:
        importlib.import_module(name)
    found, todo = [], list(tables.Table.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {"funding", "schools", "pupils", "clusters"}:
            found.append(cls)
    return found


def test_every_table_names_its_scrolling_region():
    found = _project_tables()
    assert len(found) >= 35
    unnamed = [f"{c.__module__}.{c.__name__}" for c in found if not getattr(c, "aria_label", "")]
    assert unnamed == []


def test_the_two_tables_of_one_page_have_different_names():
    from clusters.tables import ComparisonTable as ClusterComparison
    from funding.reports.tables import CountedPupilTable, ImportExportTable
    from funding.scenarios.tables import PupilMoveTable, SchoolChangeTable
    from funding.tables import ComparisonTable as RunComparison

    pairs = [
        (SchoolChangeTable, PupilMoveTable),
        (ImportExportTable, CountedPupilTable),
        (RunComparison, ClusterComparison),
    ]
    assert all(a.aria_label != b.aria_label for a, b in pairs)


def test_the_region_is_named_by_the_table(rf: RequestFactory):
    from schools.tables import SchoolTable

    html = SchoolTable([]).as_html(rf.get("/schools/"))
    assert 'role="region" aria-label="Schools (scrolls sideways)"' in html
