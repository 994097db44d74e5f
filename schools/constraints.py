"""A PostgreSQL exclusion constraint that is a no-op on other databases.

PostgreSQL is the production and test database and enforces it; the SQLite demo database
skips it (services still check overlaps with a friendly message before writing).
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.db import models
from django.db.models import Q


def in_choices(field: str, choices, name: str) -> models.CheckConstraint:
    """The database refuses a value outside a TextChoices (the form's check, again in SQL)."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}),
        name=name,
        violation_error_message=f"Choose a valid {field.replace('_', ' ')}.",
    )


class PostgresExclusionConstraint(ExclusionConstraint):
    @staticmethod
    def _is_postgres(schema_editor_or_connection) -> bool:
        vendor = getattr(schema_editor_or_connection, "vendor", None)
        if vendor is None:  # a schema editor
            vendor = schema_editor_or_connection.connection.vendor
        return vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return (
            super().constraint_sql(model, schema_editor)
            if self._is_postgres(schema_editor)
            else None
        )

    def create_sql(self, model, schema_editor):
        return (
            super().create_sql(model, schema_editor) if self._is_postgres(schema_editor) else None
        )

    def remove_sql(self, model, schema_editor):
        return (
            super().remove_sql(model, schema_editor) if self._is_postgres(schema_editor) else None
        )

    def validate(self, model, instance, exclude=None, using="default"):
        from django.db import connections

        if self._is_postgres(connections[using]):
            super().validate(model, instance, exclude=exclude, using=using)
