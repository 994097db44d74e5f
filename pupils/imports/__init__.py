"""The pupil import and web import jobs, by what each part does:

- `columns`: the file's columns, the coded columns' values and the downloadable template;
- `rows`: reading each row and checking the rows across rows;
- `home_la`: the pupil's home-LA periods once the file's moves are applied (R8, R8+);
- `corrections`: stored support periods a file does not give (refused, or superseded when a
  corrected spreadsheet replaces a plan's periods);
- `writer` and `bulk_writes`: checking against what is stored, and writing it all or nothing;
- `service`: `pupils_import` itself (see its module docstring for the rules);
- `jobs`: web imports as background jobs.

The names other code uses are importable from `pupils.imports` itself.
"""

from pupils.imports.columns import (
    ADMISSION_KINDS,
    COLUMN_HELP,
    COLUMNS,
    EXAMPLE_ROW,
    PLACEMENT_KINDS,
    PLAN_KINDS,
    REASON,
    allowed_values,
    template_csv,
    template_xlsx,
)
from pupils.imports.jobs import (
    FAILED_MESSAGE,
    IMPORTERS,
    import_job_create,
    import_job_errors_csv,
    import_job_reject,
    import_job_run,
)
from pupils.imports.service import (
    PROGRESS_EVERY,
    pupils_import,
    pupils_import_replacing_periods,
)

__all__ = [
    "ADMISSION_KINDS",
    "COLUMNS",
    "COLUMN_HELP",
    "EXAMPLE_ROW",
    "FAILED_MESSAGE",
    "IMPORTERS",
    "PLACEMENT_KINDS",
    "PLAN_KINDS",
    "PROGRESS_EVERY",
    "REASON",
    "allowed_values",
    "import_job_create",
    "import_job_errors_csv",
    "import_job_reject",
    "import_job_run",
    "pupils_import",
    "pupils_import_replacing_periods",
    "template_csv",
    "template_xlsx",
]
