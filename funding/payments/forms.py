"""Forms for payment pages (GOV.UK markup through crispy-forms-gds)."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from django import forms

from schools.models import LocalAuthority


class PayableInvoiceForm(forms.Form):
    """A bill from another LA for our pupils in its schools, as their invoice says."""

    from_la = forms.ModelChoiceField(
        label="Billed by",
        queryset=LocalAuthority.objects.filter(is_administering=False).order_by("name"),
        error_messages={"required": "Select the LA that sent the invoice"},
    )
    reference = forms.CharField(
        label="Their invoice number",
        max_length=60,
        error_messages={"required": "Enter their invoice number"},
    )
    period_from = forms.DateField(
        label="Billing period from",
        help_text="For example, 2025-04-01",
        error_messages={"required": "Enter the first day billed", "invalid": "Enter a real date"},
    )
    period_to = forms.DateField(
        label="Billing period to",
        error_messages={"required": "Enter the last day billed", "invalid": "Enter a real date"},
    )
    amount = forms.DecimalField(
        label="Amount billed (£)",
        max_digits=12,
        decimal_places=2,
        error_messages={"required": "Enter the amount billed", "invalid": "Enter an amount"},
    )
    pupils = forms.IntegerField(label="Pupils billed", min_value=0, initial=0)
    received_on = forms.DateField(
        label="Received on",
        error_messages={"required": "Enter when it arrived", "invalid": "Enter a real date"},
    )
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
