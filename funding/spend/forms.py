"""Forms for SEN spend (GOV.UK via crispy-forms-gds). They parse; the services decide."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Fixed, Layout, Size, Submit
from django import forms

from schools.importing import max_upload_bytes


def _money(label: str, *, required: bool, help_text: str = "") -> forms.DecimalField:
    what = label[0].lower() + label[1:]
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=required,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=False,
        error_messages={
            "required": f"Enter the {what}",
            "invalid": f"The {what} must be an amount of money, like 12500.00",
            "min_value": f"The {what} must be £0 or more",
            "max_decimal_places": f"The {what} must be to the penny (2 decimal places at most)",
            "max_digits": f"The {what} must be less than £10,000,000,000",
            "max_whole_digits": f"The {what} must be less than £10,000,000,000",
        },
    )


class SpendForm(forms.Form):
    amount = _money(
        "Total SEN spend",
        required=True,
        help_text="Everything the school spent on special educational needs in the year, in "
        "pounds, for example 48250.00.",
    )
    staffing = _money("Staffing", required=False)
    resources = _money("Resources", required=False)
    other = _money("Other", required=False)
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The note must be 2,000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("amount", field_width=Fixed.TEN),
            Fieldset(
                Field.text("staffing", field_width=Fixed.TEN),
                Field.text("resources", field_width=Fixed.TEN),
                Field.text("other", field_width=Fixed.TEN),
                legend="Breakdown (optional)",
                legend_size=Size.SMALL,
            ),
            Field.textarea("note"),
            Submit("save", "Save SEN spend"),
        )


class SpendImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text="CSV or XLSX with the columns URN, FY, amount, and optionally staffing, "
        "resources, other and note.",
        error_messages={
            "required": "Select a CSV or XLSX file",
            "empty": "The selected file is empty",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                f"The selected file must be smaller than {max_upload_bytes() // (1024 * 1024)}MB"
            )
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("The selected file must be a CSV or XLSX")
        return upload
