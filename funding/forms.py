"""Forms for the funding pages (GOV.UK markup through crispy-forms-gds)."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from django import forms

from funding.models import FundingScheme, RunKind
from schools.dates import FinancialYear


class GovukFilterForm(forms.Form):
    """A django-filter form rendered inside the page's own <form method="get">."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "govuk-select")
            elif isinstance(widget, forms.TextInput | forms.NumberInput):
                widget.attrs.setdefault("class", "govuk-input govuk-input--width-20")


def scheme_year_choices() -> list[tuple[int, str]]:
    """Financial years the administering LA has a scheme for, newest first."""
    years = (
        FundingScheme.objects.filter(la__is_administering=True)
        .order_by("-financial_year")
        .values_list("financial_year", flat=True)
    )
    return [(y, f"FY {FinancialYear(y)}") for y in years]


class RunStartForm(forms.Form):
    financial_year = forms.TypedChoiceField(
        label="Financial year",
        coerce=int,
        error_messages={
            "required": "Select the financial year to allocate",
            "invalid_choice": "Select a financial year that has a funding scheme",
        },
    )
    kind = forms.ChoiceField(
        label="Kind of run",
        choices=RunKind.choices,
        widget=forms.RadioSelect,
        help_text="Initial at the start of the year, revised during it, final at its end (R21).",
        error_messages={"required": "Select initial, revised or final"},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=300,
        help_text="Why this run, for whoever reads it later.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].choices = scheme_year_choices()
        self.helper = FormHelper()
        self.helper.form_tag = False
