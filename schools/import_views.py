"""The LA officer's upload page for school (GIAS) and pupil files, and the page of one import.

Thin: parse, call, render. A pupil file over IMPORT_BACKGROUND_BYTES is imported in the
background (a Celery task; eager without a broker) and the officer watches its progress; a
refused file shows its first 200 problems with a count, and every problem downloads as CSV.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import DetailView, FormView

from pupils.imports import (
    import_job_create,
    import_job_errors_csv,
    import_job_reject,
    pupils_import,
)
from pupils.models import ImportJob
from schools.access import LAOfficerRequiredMixin
from schools.importing import ImportRejected, max_upload_bytes
from schools.services import schools_import

IMPORTERS = {"schools": schools_import, "pupils": pupils_import}


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

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        content = upload.read()
        if kind == "pupils" and len(content) > settings.IMPORT_BACKGROUND_BYTES:
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
            return render(self.request, self.template_name, {"form": form, **context}, status=422)
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
