"""The LA officer's upload page for school (GIAS) and pupil files. Thin: parse, call, render."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.generic import FormView

from pupils.imports import pupils_import
from schools.access import LAOfficerRequiredMixin
from schools.importing import ImportRejected
from schools.services import schools_import

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

IMPORTERS = {"schools": schools_import, "pupils": pupils_import}


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
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 20MB")
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("The selected file must be a CSV or XLSX")
        return upload


class ImportView(LAOfficerRequiredMixin, FormView):
    template_name = "schools/import.html"
    form_class = ImportForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        importer = IMPORTERS[form.cleaned_data["kind"]]
        try:
            result = importer(content=upload.read(), filename=upload.name, user=self.request.user)
        except ImportRejected as rejected:
            return render(
                self.request,
                self.template_name,
                {"form": form, "rejected": rejected, "filename": upload.name},
                status=422,
            )
        messages.success(self.request, f"{upload.name} imported. {result.summary()}")
        return redirect("schools:import")
