"""Nobody deletes money history, not even with SQL (issue 17, High #4).

PostgreSQL triggers refuse to DELETE: a done or approved allocation run, any line of one, a SEN
Panel decision, a monthly return, a budget snapshot. A failed run (and its lines) may still be
deleted; return lines and snapshot lines are replaced by their services while a return is open
or a month's snapshot is retaken, so those are guarded in the admin only. TRUNCATE (the test
runner's flush, the benchmark loader) is not a row delete and is not refused. SQLite (the demo)
gets no triggers.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION sen_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Money history is never deleted: % rows are kept (supersede them instead)',
        TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE OR REPLACE FUNCTION sen_refuse_delete_done_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'done' OR OLD.approved_at IS NOT NULL THEN
        RAISE EXCEPTION 'Allocation run % is done or approved: it is never deleted', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END $$;

CREATE OR REPLACE FUNCTION sen_refuse_delete_done_run_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM old_lines l JOIN funding_allocationrun r ON r.id = l.run_id
        WHERE r.status = 'done' OR r.approved_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'Lines of a done or approved allocation run are never deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER funding_allocationrun_no_delete BEFORE DELETE ON funding_allocationrun
    FOR EACH ROW EXECUTE FUNCTION sen_refuse_delete_done_run();
CREATE TRIGGER funding_allocationline_no_delete AFTER DELETE ON funding_allocationline
    REFERENCING OLD TABLE AS old_lines
    FOR EACH STATEMENT EXECUTE FUNCTION sen_refuse_delete_done_run_lines();
"""

ALWAYS_KEPT = ["panel_paneldecision", "returns_monthlyreturn", "reports_budgetsnapshot"]


def _sql_forward() -> str:
    kept = "".join(
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION sen_refuse_delete();\n"
        for table in ALWAYS_KEPT
    )
    return FUNCTION + TRIGGERS + kept


def _sql_backward() -> str:
    tables = ["funding_allocationrun", "funding_allocationline", *ALWAYS_KEPT]
    drops = "".join(f"DROP TRIGGER IF EXISTS {t}_no_delete ON {t};\n" for t in tables)
    return drops + (
        "DROP FUNCTION IF EXISTS sen_refuse_delete();\n"
        "DROP FUNCTION IF EXISTS sen_refuse_delete_done_run();\n"
        "DROP FUNCTION IF EXISTS sen_refuse_delete_done_run_lines();\n"
    )


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_sql_forward(), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_sql_backward(), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0002_scheme_conventions_run_as_at_routes"),
        ("panel", "0001_initial"),
        ("returns", "0001_initial"),
        ("reports", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
