"""Reads for the reports (R2, R8, R21, R22), one module per report. Each returns plain data with
a constant number of queries; the arithmetic is in `funding.reports.calculations` (pure).

- `common`: labels, the year's runs, the schools a user may see.
- `initial`: two-stage monitoring, stage one (R21): `initial_report`.
- `comparison` (with `events`): stage two, `final_rows`, `school_rows`, `explain_changes`,
  `school_final_report`; `scheme_changes` explains a difference a rate or scheme change made.
- `governors`: `governors_report`.
- `budget` (with `budget_forecast`): the high-needs budget (R22), `budget_position`,
  `budget_trend`.
- `cross_border`: `cross_border_summary`, `cross_border_statement`, `import_export` (R8).
- `published`: `annex_b`, `published_statement`, `published_years`.

The engine's public read API (`funding.selectors`) is used where it exists: `latest_run`,
`compare_runs`, `recoupment`, `allocation_inputs`, `statement_school`. This package re-exports
every report's public names, so callers keep `from funding.reports import selectors`.
"""

from funding import selectors as engine
from funding.reports.selectors.budget import (
    BudgetPosition,
    BudgetRow,
    BudgetTrend,
    MonthRow,
    PendingDecision,
    TrendLine,
    budget_position,
    budget_trend,
)
from funding.reports.selectors.common import (
    ELEMENT_LABELS,
    ELEMENT_ORDER,
    ZERO,
    done_runs,
    initial_or_latest,
    report_years,
    school_for,
    schools_for,
    two_runs,
)
from funding.reports.selectors.comparison import (
    FinalRow,
    PupilChange,
    SchoolFinalReport,
    SchoolLineChange,
    SchoolRow,
    Why,
    attach_reasons,
    explain_changes,
    final_rows,
    school_final_report,
    school_rows,
)
from funding.reports.selectors.cross_border import (
    CHARGE,
    DEFAULT_IMPORT_EXPORT_RATE,
    PAY,
    CountedPupil,
    CrossBorderLa,
    CrossBorderStatement,
    ImportExportReport,
    StatementLine,
    billing_periods,
    cross_border_lines,
    cross_border_statement,
    cross_border_summary,
    default_census_date,
    import_export,
    third_thursday_of_january,
)
from funding.reports.selectors.governors import (
    GovernorChange,
    GovernorPupil,
    GovernorsReport,
    governors_report,
)
from funding.reports.selectors.initial import (
    GroupTotal,
    InitialReport,
    InitialRow,
    initial_report,
)
from funding.reports.selectors.published import (
    AnnexBRow,
    annex_b,
    published_statement,
    published_years,
)
from funding.reports.selectors.scheme_changes import SchemeChange, scheme_changes

__all__ = [
    "CHARGE",
    "DEFAULT_IMPORT_EXPORT_RATE",
    "ELEMENT_LABELS",
    "ELEMENT_ORDER",
    "PAY",
    "ZERO",
    "AnnexBRow",
    "BudgetPosition",
    "BudgetRow",
    "BudgetTrend",
    "CountedPupil",
    "CrossBorderLa",
    "CrossBorderStatement",
    "FinalRow",
    "GovernorChange",
    "GovernorPupil",
    "GovernorsReport",
    "GroupTotal",
    "ImportExportReport",
    "InitialReport",
    "InitialRow",
    "MonthRow",
    "PendingDecision",
    "PupilChange",
    "SchoolFinalReport",
    "SchoolLineChange",
    "SchoolRow",
    "SchemeChange",
    "StatementLine",
    "TrendLine",
    "Why",
    "annex_b",
    "attach_reasons",
    "billing_periods",
    "budget_position",
    "budget_trend",
    "cross_border_lines",
    "cross_border_statement",
    "cross_border_summary",
    "default_census_date",
    "done_runs",
    "engine",
    "explain_changes",
    "final_rows",
    "governors_report",
    "import_export",
    "initial_or_latest",
    "initial_report",
    "published_statement",
    "published_years",
    "report_years",
    "school_final_report",
    "school_for",
    "school_rows",
    "scheme_changes",
    "schools_for",
    "third_thursday_of_january",
    "two_runs",
]
