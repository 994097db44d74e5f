"""GOV.UK forms for cluster work. Each form only parses input: the view passes `cleaned_data` to
one service in `clusters.services`, and `apply_service_errors` shows the service's
`ValidationError` against the field it names, so the GOV.UK error summary links to it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.exceptions import ValidationError

from clusters.models import (
    MEETINGS_PER_YEAR,
    ClusterMeeting,
    Decision,
    ImpactRating,
    MeetingStatus,
    RequestCategory,
    Session,
)
from pupils.models import Pupil
from schools.dates import AcademicYear
from schools.forms import ServiceForm
from schools.models import School


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


class PoundsField(forms.DecimalField):
    """An amount as people type it: "£1,850", "1850.00" or " 1,850 " are all £1,850.00."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace(" ", "").removeprefix("£")
        return super().to_python(value)


def money_field(label: str, *, required: bool = True, help_text: str = "", minimum="0"):
    minimum = Decimal(minimum)
    return PoundsField(
        label=label,
        required=required,
        min_value=minimum,
        max_digits=12,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-10", "inputmode": "decimal"}
        ),
        error_messages={
            "required": f"Enter {label[0].lower() + label[1:]}",
            "invalid": f"{label} must be an amount in pounds, like 1500.00",
            "min_value": f"{label} must be £{minimum:,.2f} or more",
            "max_decimal_places": f"{label} must be in pounds and pence",
            "max_digits": f"{label} is too large",
        },
    )


def text_field(label: str, *, help_text: str = "", rows: int = 4, required: bool = True):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": rows}),
        error_messages={"required": f"Enter {label[0].lower() + label[1:]}"},
    )


class SchoolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.urn})"


class PupilChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.given_name} {obj.family_name} ({obj.upn})"


def _select(**attrs):
    return forms.Select(attrs={"class": "govuk-select", **attrs})


class RequestForm(ServiceForm):
    """A member school asks for support-for-learning funding (need, provision, amount, period)."""

    error_field = "school"

    school = SchoolChoiceField(
        label="School",
        queryset=School.objects.none(),
        empty_label=None,
        widget=_select(**{"data-reload-with": "school"}),
        error_messages={"required": "Select the school asking"},
    )
    category = forms.ChoiceField(
        label="What is it for?",
        choices=[
            Choice(
                RequestCategory.SUPPORT_FOR_LEARNING,
                RequestCategory.SUPPORT_FOR_LEARNING.label,
                hint="Support for a pupil or a group of pupils with SEN",
            ),
            Choice(
                RequestCategory.MEDICAL,
                RequestCategory.MEDICAL.label,
                hint="Formerly a separate fund: now part of the cluster's money",
            ),
            Choice(
                RequestCategory.FIRST_YEAR,
                RequestCategory.FIRST_YEAR.label,
                hint="Support for a child starting school",
            ),
            Choice(
                RequestCategory.CAPACITY,
                RequestCategory.CAPACITY.label,
                hint="Training or staff shared across the cluster's schools",
            ),
        ],
        widget=forms.RadioSelect,
        initial=RequestCategory.SUPPORT_FOR_LEARNING,
        error_messages={"required": "Select what the money is for"},
    )
    pupil = PupilChoiceField(
        label="Pupil with a plan (optional)",
        queryset=Pupil.objects.none(),
        required=False,
        empty_label="None: describe the pupil or group below",
        widget=_select(),
        help_text="Pupils with a statement or EHC plan on roll at the school chosen above.",
    )
    for_whom = forms.CharField(
        label="Who is it for?",
        max_length=200,
        help_text="For example, 'Pupil in Year 3 (A.B.)' or 'Group of six Year 2 pupils'. "
        "Use initials, not full names.",
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
        error_messages={"required": "Enter who the request is for"},
    )
    need = text_field("The need", help_text="The needs, and what the school has already tried.")
    provision = text_field("The provision", help_text="What the money will pay for.")
    intended_outcomes = text_field(
        "What it should achieve", help_text="The outcomes the impact will be measured against."
    )
    amount_requested = money_field("Amount asked for", minimum="0.01")
    starts_on = GovukDateField(
        label="Period from",
        help_text="For example, 5 1 2026",
        required_message="Enter the date the period starts",
    )
    ends_on = GovukDateField(
        label="Period to",
        help_text="For example, 27 3 2026. At most a year.",
        required_message="Enter the date the period ends",
    )

    def __init__(self, *args, schools=None, pupils=None, school=None, **kwargs):
        """`pupils` are those of the chosen `school` the user may see (`None`: the user sees
        no school's pupils, so the field is left out and the request describes them)."""
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools if schools is not None else School.objects.none()
        if school is not None:
            self.fields["school"].initial = school.pk
        if pupils is None:
            del self.fields["pupil"]
            return
        self.fields["pupil"].queryset = pupils
        if school is None:
            self.fields[
                "pupil"
            ].help_text = "Choose the school first: its pupils with a plan are listed then."
        else:
            self.fields[
                "pupil"
            ].help_text = f"Pupils with a statement or EHC plan on roll at {school.name}."

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The period cannot end before it starts")
        pupil, school = data.get("pupil"), data.get("school")
        if (
            pupil is not None
            and school is not None
            and not pupil.placements.filter(school=school).exists()
        ):
            self.add_error("pupil", f"This pupil is not on roll at {school.name}")
        return data


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.date:%-d %B %Y}: meeting {obj.number} of {obj.academic_year_label}"


class ReviewForm(ServiceForm):
    """The cluster's decision on a request at a meeting, with reasons."""

    error_field = "decision"

    meeting = MeetingChoiceField(
        label="Meeting",
        queryset=ClusterMeeting.objects.none(),
        empty_label="Choose the meeting",
        widget=_select(),
        error_messages={"required": "Select the meeting that reviewed the request"},
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            Choice(Decision.APPROVED, "Approved", hint="The amount asked for"),
            Choice(Decision.APPROVED_DIFFERENT_AMOUNT, "Approved with a different amount"),
            Choice(Decision.DECLINED, "Declined"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the decision"},
    )
    amount_approved = money_field(
        "Different amount approved",
        required=False,
        minimum="0.01",
        help_text="Only if approved with a different amount.",
    )
    reasons = text_field("Reasons", help_text="Recorded in the minutes and shown to the school.")

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = (
            meetings if meetings is not None else ClusterMeeting.objects.none()
        )


class ImpactForm(ServiceForm):
    error_field = "outcomes"

    outcomes = text_field(
        "Outcomes against what was intended",
        help_text="What changed for the pupil or group, measured against the intended outcomes.",
        rows=6,
    )
    impact_rating = forms.ChoiceField(
        label="Were the intended outcomes met?",
        choices=ImpactRating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the outcomes were met"},
    )
    amount_spent = money_field(
        "Amount spent", help_text="Anything not spent goes back to the cluster's money."
    )


class WithdrawForm(ServiceForm):
    reason = forms.CharField(
        label="Why is the request being withdrawn? (optional)",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
    )


def academic_year_choices():
    from django.utils import timezone

    from funding.readiness import data_academic_years

    current = AcademicYear.of(timezone.localdate()).start_year
    # Around today, and every academic year with term dates or planned places.
    years = set(range(current - 1, current + 2)) | data_academic_years()
    return [(str(y), str(AcademicYear(y))) for y in sorted(years)]


class FrameworkForm(ServiceForm):
    error_field = "academic_year"

    academic_year = forms.TypedChoiceField(
        label="Academic year",
        choices=academic_year_choices,
        coerce=int,
        widget=_select(),
        help_text=f"{MEETINGS_PER_YEAR} half-day meetings, one each half term, with the tool "
        "kit's exemplar agendas.",
    )


class MeetingForm(ServiceForm):
    error_field = "date"

    date = GovukDateField(label="Date", required_message="Enter the date of the meeting")
    session = forms.ChoiceField(label="Half day", choices=Session.choices, widget=forms.RadioSelect)
    venue = forms.CharField(
        label="Venue",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
    )
    status = forms.ChoiceField(
        label="Status", choices=MeetingStatus.choices, widget=forms.RadioSelect
    )
    agenda = text_field("Agenda", rows=8, required=False)
    attendees = text_field(
        "Attendees", rows=4, required=False, help_text="One name and role a line."
    )
    minutes = text_field(
        "Minutes",
        rows=10,
        required=False,
        help_text="Refer to pupils by the request reference, not by name.",
    )


class PotForm(ServiceForm):
    error_field = "base_amount"

    base_amount = money_field(
        "Money moved to clusters",
        help_text="For example, the part of the high needs block delegated to clusters.",
    )
    psf_released = money_field(
        "PSF released (R15 to R17)",
        required=False,
        help_text="Leave empty to use the PSF forecast's figure for the year.",
    )
    fixed_sum_per_school = money_field("Fixed sum per member school")
    roll_includes_nursery = forms.BooleanField(label="Count nursery pupils", required=False)
    roll_includes_sixth_form = forms.BooleanField(label="Count sixth form pupils", required=False)
    census_on = GovukDateField(
        label="Count pupils on the census of",
        required=False,
        help_text="The latest census on or before this date. Leave empty for the latest "
        "before the financial year starts.",
        required_message="Enter the census date",
    )
    members_on = GovukDateField(
        label="Count member schools on",
        required=False,
        help_text="Leave empty for 1 April.",
        required_message="Enter the date",
    )
    notes = text_field("Notes", required=False, rows=3)


class AuxFundForm(ServiceForm):
    error_field = "budget"

    budget = money_field("Budget")
    notes = text_field("Notes", required=False, rows=3)


class AuxApplicationForm(ServiceForm):
    error_field = "school"

    school = SchoolChoiceField(
        label="School",
        queryset=School.objects.none(),
        empty_label=None,
        widget=_select(),
        error_messages={"required": "Select the school"},
    )
    pupil = PupilChoiceField(
        label="Pupil with a plan (optional)",
        queryset=Pupil.objects.none(),
        required=False,
        empty_label="None",
        widget=_select(),
    )
    child = forms.CharField(
        label="The child",
        max_length=200,
        help_text="For example, 'Wheelchair user starting Reception in September'. No names.",
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
        error_messages={"required": "Describe the child the adaptation is for"},
    )
    adaptation = text_field("The adaptation", help_text="For example, a ramp to the hall.")
    amount_requested = money_field("Amount asked for", minimum="0.01")

    def __init__(self, *args, schools=None, pupils=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools if schools is not None else School.objects.none()
        self.fields["pupil"].queryset = pupils if pupils is not None else Pupil.objects.none()


class AuxDecisionForm(ServiceForm):
    error_field = "decision"

    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("decline", "Decline")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select approve or decline"},
    )
    amount_approved = money_field(
        "Amount approved",
        required=False,
        minimum="0.01",
        help_text="Leave empty to approve the amount asked for.",
    )
    reasons = text_field("Reasons", required=False, help_text="Needed to decline.")
