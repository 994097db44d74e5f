"""Forms for the panel clerk, in the admin and in the panel's own GOV.UK pages. They parse
input; the services decide and write."""

from __future__ import annotations

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.layout import Field, Fieldset, Fixed, Layout, Size
from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from funding.panel import services
from funding.panel.models import (
    CaseKind,
    EnfGround,
    MeetingStatus,
    Outcome,
    PanelCase,
    PanelMeeting,
)
from schools.forms import ServiceForm

CASE_FORM_FIELDS = [
    "meeting",
    "pupil",
    "school",
    "kind",
    "requested_lsa_hours",
    "requested_lst_hours",
    "requested_ta_hours",
    "requested_band",
    "requested_amount",
    "requested_from",
    "requested_until",
    "enf_ground",
    "evidence_summary",
]


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else at the top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = name if name in form.fields else None
        if name == NON_FIELD_ERRORS:
            target = None
        for error in errors:
            form.add_error(target, error)


BAND_CHOICES = [("", "—"), *[(b, f"Band {b}") for b in range(1, 6)]]


class PanelCaseAdminForm(forms.ModelForm):
    """The case form: model validation, then the service's own checks (placement, R9)."""

    requested_band = forms.TypedChoiceField(
        label="Band asked for", required=False, coerce=int, empty_value=None, choices=BAND_CHOICES
    )

    class Meta:
        model = PanelCase
        fields = CASE_FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "meeting" in self.fields:
            self.fields["meeting"].queryset = PanelMeeting.objects.exclude(
                status=MeetingStatus.CLOSED
            ).order_by("date")

    def clean(self):
        cleaned = super().clean()
        # Before the model's constraints, so a missing ground is named on its own field.
        message = services.enf_ground_error(cleaned.get("kind"), cleaned.get("enf_ground", ""))
        if message and "kind" not in self.errors:
            self.add_error("enf_ground", message)
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            services.case_check(self.instance)
        except ValidationError as exc:
            add_service_errors(self, exc)


class DecisionForm(forms.Form):
    """Record the panel's decision on one case (prefilled with what was asked)."""

    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect)
    granted_lsa_hours = forms.DecimalField(
        label="LSA hours a week granted", required=False, max_digits=5, decimal_places=2
    )
    granted_lst_hours = forms.DecimalField(
        label="LST hours a week granted", required=False, max_digits=5, decimal_places=2
    )
    granted_ta_hours = forms.DecimalField(
        label="TA hours a week granted", required=False, max_digits=5, decimal_places=2
    )
    granted_band = forms.TypedChoiceField(
        label="Band granted",
        required=False,
        coerce=int,
        empty_value=None,
        choices=BAND_CHOICES,
    )
    granted_amount = forms.DecimalField(
        label="Annual amount granted (£)", required=False, max_digits=12, decimal_places=2
    )
    enf_ground = forms.ChoiceField(
        label="ENF ground",
        required=False,
        choices=[("", "—"), *EnfGround.choices],
        help_text="The ground the exceptional needs funding is granted on; each ground has its "
        "own limit in the scheme (R9).",
    )
    effective_from = forms.DateField(required=False, widget=AdminDateWidget)
    end_date = forms.DateField(
        required=False,
        widget=AdminDateWidget,
        help_text="Personal supplement and ENF only: the last day funded. ENF lasts no longer "
        "than its ground's limit in the scheme (R9).",
    )
    reasons = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    deferred_to = forms.ModelChoiceField(
        label="Defer to",
        queryset=PanelMeeting.objects.none(),
        required=False,
        help_text="Deferrals only; empty means the next scheduled meeting.",
    )

    GRANT_FIELDS = (
        "granted_lsa_hours",
        "granted_lst_hours",
        "granted_ta_hours",
        "granted_band",
        "granted_amount",
        "enf_ground",
        "effective_from",
        "end_date",
    )

    def __init__(self, *args, case: PanelCase, **kwargs):
        self.case = case
        kwargs.setdefault("initial", self.initial_for(case))
        super().__init__(*args, **kwargs)
        meeting = case.meeting
        queryset = PanelMeeting.objects.filter(status=MeetingStatus.SCHEDULED).order_by("date")
        if meeting is not None:
            queryset = queryset.filter(date__gt=meeting.date)
        self.fields["deferred_to"].queryset = queryset
        if case.kind != CaseKind.ENF:
            del self.fields["enf_ground"]

    @staticmethod
    def initial_for(case: PanelCase) -> dict:
        effective_from = case.requested_from or (case.meeting.date if case.meeting else None)
        # No outcome is chosen for the panel: it decides (issue 16).
        return {
            "granted_lsa_hours": case.requested_lsa_hours,
            "granted_lst_hours": case.requested_lst_hours,
            "granted_ta_hours": case.requested_ta_hours,
            "granted_band": case.requested_band,
            "granted_amount": case.requested_amount,
            "enf_ground": case.enf_ground,
            "effective_from": effective_from,
            "end_date": services.default_end_date(case, effective_from),
        }

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.setdefault("enf_ground", "")
        if data["outcome"] not in Outcome.approvals():
            # A refusal grants nothing: the prefilled ask is ignored rather than refused.
            for name in self.GRANT_FIELDS:
                data[name] = "" if name == "enf_ground" else None
        if data["outcome"] != Outcome.DEFERRED:
            data["deferred_to"] = None
        return data


DECISION_OUTCOME_REQUIRED = "Select the panel's decision"
REASONS_REQUIRED = "Enter the panel's reasons"


class DecisionPageForm(ServiceForm, DecisionForm):
    """The decision form in the panel's GOV.UK pages: the same fields and parsing as the admin's
    `DecisionForm`, GOV.UK radios with no outcome chosen, date inputs, an error summary."""

    outcome = forms.ChoiceField(
        label="What did the panel decide?",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": DECISION_OUTCOME_REQUIRED},
    )
    effective_from = DateInputField(
        label="Date the decision takes effect",
        help_text="Approvals only. For example, 2 11 2026.",
        required=False,
        require_all_fields=False,
    )
    end_date = DateInputField(
        label="Last day funded",
        help_text="Personal supplement and exceptional needs funding only. Exceptional needs "
        "funding lasts no longer than its ground's limit in the scheme.",
        required=False,
        require_all_fields=False,
    )
    reasons = forms.CharField(
        label="The panel's reasons",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": REASONS_REQUIRED},
    )
    error_field = "outcome"

    def __init__(self, *args, case: PanelCase, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["deferred_to"].empty_label = "The next scheduled meeting"
        self.fields["deferred_to"].help_text = "Deferrals only."
        if "enf_ground" in self.fields:
            self.fields[
                "enf_ground"
            ].help_text = "Exceptional needs funding only: the ground it is granted on."
        grant = [
            Field.text(name, field_width=Fixed.TEN)
            for name in (
                "granted_lsa_hours",
                "granted_lst_hours",
                "granted_ta_hours",
                "granted_amount",
            )
        ]
        grant.insert(3, Field.select("granted_band"))
        if "enf_ground" in self.fields:
            grant.append(Field.select("enf_ground"))
        self.helper.layout = Layout(
            Field.radios("outcome", legend_size=Size.MEDIUM),
            Fieldset(
                *grant,
                Field("effective_from"),
                Field("end_date"),
                legend="What is granted (approvals only)",
                legend_size=Size.MEDIUM,
            ),
            Field.select("deferred_to"),
            Field.textarea("reasons"),
        )


class AttendanceForm(ServiceForm):
    """Who attended a meeting and whether it has been held (the panel clerk)."""

    members_present = forms.ModelMultipleChoiceField(
        label="SEN Panel members present",
        queryset=PanelMeeting.members_present.rel.model.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    held = forms.TypedChoiceField(
        label="Has the meeting been held?",
        choices=[("yes", "Yes, the meeting has been held"), ("no", "No, not yet")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the meeting has been held"},
    )
    error_field = "members_present"

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members_present"].queryset = members
        self.fields["members_present"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )
        self.helper.layout = Layout(
            Field.checkboxes("members_present", legend_size=Size.MEDIUM),
            Field.radios("held", legend_size=Size.MEDIUM, inline=True),
        )
