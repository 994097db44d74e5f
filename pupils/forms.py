"""Forms for the changes an LA officer makes to a pupil. Each form only parses input: the view
passes `cleaned_data` to one service in `pupils.services`, and `apply_service_errors` puts the
service's `ValidationError` back on the field it names, so the GOV.UK error summary links to it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.fields import DateInputField
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from pupils.models import AdmissionKind, PlacementKind, PlanKind, PrimaryNeed, PupilHomeLa
from pupils.services import SupportHours
from schools.forms import ServiceForm
from schools.models import LocalAuthority, School
from schools.roles import LA_OFFICER

REASON_HELP = "Say why, for the record: for example, the panel decision or the review date."


class GovukDateField(DateInputField):
    """A GOV.UK date input whose messages name the question."""

    def __init__(self, *, required_message: str, **kwargs):
        super().__init__(**kwargs)
        self.error_messages["required"] = required_message
        self.error_messages["incomplete"] = required_message

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        if len(str(year)) != 4:
            raise ValidationError(f"{self.label} must include a year with 4 numbers")
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValidationError(f"{self.label} must be a real date") from exc


def hours_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=60,
        max_digits=5,
        decimal_places=2,
        initial=Decimal("0"),
        help_text="Hours a week, up to 60",
        widget=forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-4", "inputmode": "decimal"}
        ),
        error_messages={
            "invalid": f"{label} must be a number, like 12.5",
            "min_value": f"{label} cannot be negative",
            "max_value": f"{label} must be 60 or fewer (hours a week)",
            "max_decimal_places": f"{label} can have at most 2 decimal places",
            "max_digits": f"{label} must be 60 or fewer (hours a week)",
        },
    )


def reason_field() -> forms.CharField:
    return forms.CharField(
        label="Reason",
        max_length=300,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
        error_messages={
            "required": "Enter the reason for this change",
            "max_length": "The reason must be 300 characters or fewer",
        },
    )


class SupportFields(ServiceForm):
    """Hours of LSA, LST and TA support a week, a band, or an annual resource amount (R5, R6)."""

    lsa_hours = hours_field("LSA hours")
    lst_hours = hours_field("LST hours")
    ta_hours = hours_field("TA hours")
    band = forms.TypedChoiceField(
        label="Band",
        required=False,
        choices=[("", "No band"), *[(str(n), f"Band {n}") for n in range(1, 6)]],
        coerce=int,
        empty_value=None,
        help_text="Special schools fund by band 1 (lowest need) to 5",
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    resource_amount = forms.DecimalField(
        label="Annual resource amount in pounds",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="Only if the LA sets a resource level rather than hours (R6 secondary)",
        widget=forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-10", "inputmode": "decimal"}
        ),
        error_messages={
            "invalid": "The annual resource amount must be an amount in pounds, like 4500.00",
            "min_value": "The annual resource amount cannot be negative",
            "max_decimal_places": "The annual resource amount must be in pounds and pence",
        },
    )

    def support(self) -> SupportHours:
        data = self.cleaned_data
        return SupportHours(
            lsa_hours=data.get("lsa_hours") or Decimal("0"),
            lst_hours=data.get("lst_hours") or Decimal("0"),
            ta_hours=data.get("ta_hours") or Decimal("0"),
            band=data.get("band"),
            resource_amount=data.get("resource_amount"),
        )


def _caseworkers():
    return (
        get_user_model()
        .objects.filter(groups__name=LA_OFFICER, is_active=True)
        .order_by("last_name", "first_name", "username")
    )


class CaseworkerField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class PlanIssueForm(SupportFields):
    field_order = [
        "kind",
        "issued_on",
        "primary_need",
        "annual_review_due",
        "caseworker",
        "lsa_hours",
        "lst_hours",
        "ta_hours",
        "band",
        "resource_amount",
        "reason",
    ]
    error_field = "issued_on"

    kind = forms.ChoiceField(
        label="Kind of plan",
        choices=[
            Choice(PlanKind.EHCP, PlanKind.EHCP.label, hint="Education, Health and Care plan"),
            Choice(PlanKind.STATEMENT, PlanKind.STATEMENT.label, hint="Issued before 2014"),
        ],
        widget=forms.RadioSelect,
        initial=PlanKind.EHCP,
        error_messages={"required": "Select the kind of plan"},
    )
    issued_on = GovukDateField(
        label="Date the plan was issued",
        help_text="For example, 1 9 2025. Support starts on this date.",
        required_message="Enter the date the plan was issued",
    )
    primary_need = forms.ChoiceField(
        label="Primary need",
        choices=[("", "Choose a primary need"), *PrimaryNeed.choices],
        widget=forms.Select(attrs={"class": "govuk-select"}),
        error_messages={"required": "Select the primary need"},
    )
    annual_review_due = GovukDateField(
        label="Annual review due",
        required=False,
        help_text="Leave blank for one year after the issue date",
        required_message="Enter the date the annual review is due",
    )
    caseworker = CaseworkerField(
        label="Caseworker",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Not assigned",
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    reason = reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = _caseworkers()


class SupportChangeForm(SupportFields):
    field_order = [
        "effective_from",
        "lsa_hours",
        "lst_hours",
        "ta_hours",
        "band",
        "resource_amount",
        "reason",
    ]
    error_field = "lsa_hours"

    effective_from = GovukDateField(
        label="Date the new support starts",
        help_text=(
            "For example, 6 1 2026. The current level ends the day before. A date in the "
            "past is allowed: the change is marked as backdated for the next allocation run."
        ),
        required_message="Enter the date the new support starts",
    )
    reason = reason_field()


def admission_choices():
    return [
        Choice(
            AdmissionKind.PHASE_TRANSFER,
            "Phase transfer",
            hint="Moving up a phase, for example from nursery to Reception or Year 6 to Year 7",
        ),
        Choice(
            AdmissionKind.CASUAL_ADMISSION,
            "Casual admission",
            hint="For example a house move: protected funding (PSF) ends at the old school",
        ),
        Choice(
            AdmissionKind.MANAGED_MOVE,
            "Managed move",
            hint="Agreed between schools: PSF follows the child to the end of the phase (R16)",
        ),
    ]


class SchoolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.urn})"


class PupilMoveForm(ServiceForm):
    error_field = "moves_on"

    to_school = SchoolChoiceField(
        label="New school",
        queryset=School.objects.none(),
        empty_label="Choose a school",
        widget=forms.Select(attrs={"class": "govuk-select"}),
        error_messages={"required": "Select the school the pupil is moving to"},
    )
    moves_on = GovukDateField(
        label="First day at the new school",
        help_text="For example, 3 11 2025. The current placement ends the day before.",
        required_message="Enter the pupil's first day at the new school",
    )
    admission_kind = forms.ChoiceField(
        label="Kind of admission",
        choices=admission_choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of admission"},
    )
    kind = forms.ChoiceField(
        label="Kind of place",
        required=False,
        choices=[("", "Same as now"), *PlacementKind.choices],
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    reason = reason_field()

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_school"].queryset = (
            (schools if schools is not None else School.objects.all())
            .only("pk", "name", "urn")
            .order_by("name")
        )


class PupilLeaveForm(ServiceForm):
    error_field = "last_day"

    last_day = GovukDateField(
        label="Last day on roll",
        help_text="For example, 18 7 2025",
        required_message="Enter the pupil's last day on roll",
    )
    reason = reason_field()


class PlanCeaseForm(ServiceForm):
    error_field = "ceased_on"

    ceased_on = GovukDateField(
        label="Date the plan ceases",
        help_text="For example, 31 3 2026. Its support ends the same day.",
        required_message="Enter the date the plan ceases",
    )
    reason = reason_field()


class LocalAuthorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


def _la_field(label: str, required_message: str) -> LocalAuthorityChoiceField:
    return LocalAuthorityChoiceField(
        label=label,
        queryset=LocalAuthority.objects.order_by("name"),
        empty_label="Choose a local authority",
        widget=forms.Select(attrs={"class": "govuk-select"}),
        error_messages={"required": required_message},
    )


class HomeLaChangeForm(ServiceForm):
    """R8+: a house move to another LA, from a date."""

    error_field = "from_date"

    la = _la_field("New home LA", "Select the LA the pupil now lives in")
    from_date = GovukDateField(
        label="Date of the move",
        help_text=(
            "For example, 3 11 2025: the first day living in the new LA. The new LA pays the "
            "pupil's top-up from this day; the current home LA ends the day before."
        ),
        required_message="Enter the date of the move",
    )
    reason = reason_field()


class HomeLaCorrectForm(ServiceForm):
    """Correct a home-LA period entered wrongly (its LA or the day it starts)."""

    error_field = "period"

    period = forms.ModelChoiceField(
        label="Period to correct",
        queryset=PupilHomeLa.objects.none(),
        empty_label="Choose a period",
        widget=forms.Select(attrs={"class": "govuk-select"}),
        error_messages={"required": "Select the period to correct"},
    )
    la = _la_field("Home LA for this period", "Select the LA the pupil lived in")
    starts_on = GovukDateField(
        label="Date the period starts",
        required=False,
        help_text="Leave blank to keep it. The previous period then ends the day before.",
        required_message="Enter the date the period starts",
    )
    reason = reason_field()

    def __init__(self, *args, periods=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["period"]
        field.queryset = periods
        field.label_from_instance = lambda p: (
            f"{p.la.name}, from {p.starts_on:%-d %B %Y}"
            + (f" to {p.ends_on:%-d %B %Y}" if p.ends_on else "")
        )
