"""Forms for changing a funding scheme in the service's own pages (GOV.UK, crispy-forms-gds).

A scheme is changed one group at a time, grouped as the scheme page shows it; every change asks
for a reason, kept in the scheme's history. The forms only validate: the write is
`funding.scheme_services`.
"""

from __future__ import annotations

from dataclasses import dataclass

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from django import forms

from funding.models import FundingScheme, HourlyRate, NotionalSenFactor, TaHoursBand
from funding.scheme_services import REASON_MAX, REASON_REQUIRED
from schools.models import EstablishmentType


@dataclass(frozen=True)
class SchemeGroup:
    slug: str
    title: str
    fields: tuple[str, ...]


#: The scheme page's groups, in its order (the rows of its summary list).
SCHEME_GROUPS = (
    SchemeGroup("awpu", "Age-weighted pupil unit (AWPU)", ("awpu_primary", "awpu_ks3", "awpu_ks4")),
    SchemeGroup("threshold", "Threshold", ("threshold", "threshold_basis")),
    SchemeGroup(
        "formula",
        "Schools-block formula",
        ("formula_census_month", "formula_establishment_types"),
    ),
    SchemeGroup(
        "additional-sen-support",
        "Additional SEN Support",
        (
            "additional_sen_support",
            "ass_percentage",
            "ass_amount",
            "ass_counting_month",
            "ass_counting_day",
            "iar_count_source",
        ),
    ),
    SchemeGroup("top-up", "Top-up method", ("top_up_method",)),
    SchemeGroup(
        "place-funding",
        "Place funding",
        (
            "special_place_amount",
            "ssc_occupied_place_amount",
            "ssc_unoccupied_place_amount",
            "place_funding_split",
        ),
    ),
    SchemeGroup(
        "ap-fe", "Alternative provision and FE", ("ap_place_amount", "fe_element_1", "fe_element_2")
    ),
    SchemeGroup(
        "psf",
        "Pupil Specific Funding",
        ("psf_enabled", "psf_cutover_date", "top_up_for_plans_after_psf_cutover"),
    ),
    SchemeGroup(
        "enf",
        "Exceptional needs funding",
        ("enf_short_term_limit", "enf_crisis_limit", "enf_outside_cohort_limit"),
    ),
    SchemeGroup("import-export", "Import/export adjustment", ("import_export_rate",)),
    SchemeGroup(
        "payments",
        "Payments",
        (
            "payment_frequency",
            "payment_cut_off_day",
            "payment_day",
            "maintained_payment_method",
            "provider_payment_method",
            "hold_queried_return_lines",
        ),
    ),
    SchemeGroup("notes", "Name, sources and assumptions", ("name", "notes")),
)
GROUPS_BY_SLUG = {group.slug: group for group in SCHEME_GROUPS}


class ReasonMixin(forms.Form):
    reason = forms.CharField(
        label="Why is this changing?",
        max_length=REASON_MAX,
        help_text='For example: "Schools Forum agreed the FY 2026-27 rates on 14 January". '
        "It is kept in the scheme's history with your name and the time.",
        error_messages={"required": REASON_REQUIRED},
    )

    def _govuk(self) -> None:
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's own form has the token
        for name, field in self.fields.items():
            if isinstance(field, DateInputField):
                continue
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            if isinstance(field, forms.ChoiceField) and not isinstance(widget, forms.RadioSelect):
                field.widget = forms.RadioSelect(choices=field.choices)
            elif isinstance(field, forms.BooleanField):
                continue
            elif isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("class", "govuk-textarea")
            elif isinstance(field, forms.DecimalField):
                widget.attrs.setdefault("class", "govuk-input govuk-input--width-10")
                widget.attrs.setdefault("inputmode", "decimal")
            elif name != "reason":
                widget.attrs.setdefault("class", "govuk-input govuk-input--width-20")
            else:
                widget.attrs.setdefault("class", "govuk-input")

    def values(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "reason"}


def scheme_form_class(group: SchemeGroup) -> type[forms.ModelForm]:
    """A form of one group's fields and a reason."""

    class SchemeGroupForm(ReasonMixin, forms.ModelForm):
        class Meta:
            model = FundingScheme
            fields = list(group.fields)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if "formula_establishment_types" in self.fields:
                self.fields["formula_establishment_types"] = forms.TypedMultipleChoiceField(
                    label="Establishment types funded by the schools-block formula",
                    choices=EstablishmentType.choices,
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                    initial=self.instance.formula_establishment_types,
                )
            if "psf_cutover_date" in self.fields:
                model_field = FundingScheme._meta.get_field("psf_cutover_date")
                self.fields["psf_cutover_date"] = DateInputField(
                    label=str(model_field.verbose_name).capitalize(),
                    help_text=f"{model_field.help_text} For example, 1 9 2025.",
                    required=False,
                    require_all_fields=False,
                )
            self._govuk()

    return SchemeGroupForm


class HourlyRateForm(ReasonMixin, forms.ModelForm):
    class Meta:
        model = HourlyRate
        fields = ["hourly_rate", "weeks_per_year", "delegated", "note"]
        labels = {"delegated": "Delegated to the school (unticked: retained centrally)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._govuk()


class TaBandForm(ReasonMixin, forms.ModelForm):
    class Meta:
        model = TaHoursBand
        fields = ["label", "min_hours", "amount_from", "rate_per_hour", "amount_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._govuk()


class SenFactorForm(ReasonMixin, forms.ModelForm):
    class Meta:
        model = NotionalSenFactor
        fields = ["weight_percent", "rate_per_pupil", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._govuk()


class SchemeCopyForm(forms.Form):
    financial_year = forms.IntegerField(
        label="Financial year to copy it to",
        help_text="The year it starts: 2027 means FY 2027-28.",
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": "Enter the financial year to copy the scheme to",
            "invalid": "Enter a year, like 2027",
            "min_value": "Enter a year from 2000",
            "max_value": "Enter a year before 2100",
        },
    )
    name = forms.CharField(
        label="Name of the new scheme (optional)",
        required=False,
        max_length=120,
        help_text="Left empty: this scheme's name with the new year.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].widget.attrs["class"] = "govuk-input govuk-input--width-4"
        self.fields["name"].widget.attrs["class"] = "govuk-input"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
