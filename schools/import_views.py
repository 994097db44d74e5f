"""The LA officer's upload page for school (GIAS) and pupil files, and the page of one import.

Thin: parse, call, render. A pupil file over IMPORT_BACKGROUND_BYTES is imported in the
background (a Celery task; eager without a broker) and the officer watches its progress; a
refused file shows its first 200 problems with a count, and every problem downloads as CSV.
"""

from crispy_forms_gds.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import DetailView, FormView

from pupils.imports import (
    COLUMN_HELP,
    allowed_values,
    import_job_create,
    import_job_errors_csv,
    import_job_reject,
    pupils_import,
    pupils_import_replacing_periods,
    template_csv,
    template_xlsx,
)
from pupils.imports import COLUMNS as PUPIL_COLUMNS
from pupils.models import ImportJob
from schools.access import LAOfficerRequiredMixin
from schools.importing import ImportRejected, max_upload_bytes
from schools.services import schools_import

IMPORTERS = {
    "schools": schools_import,
    "pupils": pupils_import,
    "pupils_replace": pupils_import_replacing_periods,
}


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)}MB"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What does the file contain?",
        choices=[
            ("schools", "Schools: a GIAS establishment download (CSV)"),
            ("pupils", "Pupils: one row per pupil support period (CSV or XLSX)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the file contains"},
    )
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select a CSV or XLSX file",
            "empty": "The selected file is empty",
        },
    )
    replace_periods = forms.BooleanField(
        label="Pupils only: this is a corrected file. Replace each plan's support periods with "
        "the file's (periods the file no longer gives are superseded, not deleted)",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # crispy-forms-gds renders {% error_summary form %} only for a form with a helper.
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(f"The selected file must be smaller than {_size(limit)}")
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("The selected file must be a CSV or XLSX")
        return upload


def rejected_context(*, kind: str, filename: str, user, rejected: ImportRejected) -> dict:
    """What an upload page shows of a refused file: the first problems, how many more, and a
    link to all of them (kept in an ImportJob)."""
    job = import_job_create(kind=kind, content=b"", filename=filename, user=user)
    return {"job": import_job_reject(job, rejected), "filename": filename}


class ImportView(LAOfficerRequiredMixin, FormView):
    template_name = "schools/import.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            pupil_columns=[(c, COLUMN_HELP.get(c, "")) for c in PUPIL_COLUMNS],
            allowed_values=allowed_values(),
            **kwargs,
        )

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        if kind == "pupils" and form.cleaned_data.get("replace_periods"):
            kind = "pupils_replace"
        content = upload.read()
        if kind.startswith("pupils") and len(content) > settings.IMPORT_BACKGROUND_BYTES:
            from pupils.tasks import run_import_job

            job = import_job_create(
                kind=kind, content=content, filename=upload.name, user=self.request.user
            )
            transaction.on_commit(lambda: run_import_job.delay(job.pk))
            return redirect("schools:import_job", job_id=job.pk)
        try:
            result = IMPORTERS[kind](content=content, filename=upload.name, user=self.request.user)
        except ImportRejected as rejected:
            context = rejected_context(
                kind=kind, filename=upload.name, user=self.request.user, rejected=rejected
            )
            context = self.get_context_data(form=form, **context)
            return render(self.request, self.template_name, context, status=422)
        messages.success(self.request, f"{upload.name} imported. {result.summary()}")
        return redirect("schools:import")


class ImportJobView(LAOfficerRequiredMixin, DetailView):
    """One import: progress while it runs (the page refreshes itself), then what happened."""

    template_name = "schools/import_job.html"
    context_object_name = "job"
    pk_url_kwarg = "job_id"

    def get_queryset(self):
        return ImportJob.objects.filter(created_by=self.request.user).defer(
            "content", "errors_csv_gz"
        )


class ImportJobProblemsView(LAOfficerRequiredMixin, View):
    """Every problem of a refused file, as CSV (row, column, problem)."""

    def get(self, request, job_id: int):
        job = get_object_or_404(
            ImportJob, pk=job_id, created_by=request.user, status=ImportJob.Status.REJECTED
        )
        response = HttpResponse(import_job_errors_csv(job), content_type="text/csv")
        stem = job.filename.rsplit(".", 1)[0].replace('"', "")[:80]
        response["Content-Disposition"] = f'attachment; filename="{stem} problems.csv"'
        response["Cache-Control"] = "no-store, private"
        return response


class PupilTemplateView(LAOfficerRequiredMixin, View):
    """The pupil file template: XLSX (with a sheet of every coded column's allowed values) or
    CSV (the header and an example row)."""

    fmt = "xlsx"

    def get(self, request):
        if self.fmt == "csv":
            response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                template_xlsx(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="pupils-template.{self.fmt}"'
        return response
