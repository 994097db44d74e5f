"""Forms for the panel clerk in the admin. They parse input; the services decide and write."""

from __future__ import annotations

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
        return {
            "outcome": Outcome.APPROVED,
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
