"""Forms for the return portal (GOV.UK, via crispy-forms-gds). They parse; services decide."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    Field,
    Fieldset,
    Layout,
    Size,
    Submit,
)
from django import forms

from pupils.services import SupportHours

YES_NO = [("yes", "Yes"), ("no", "No")]
ACCEPT = "accept"
REJECT = "reject"
ALREADY_RECORDED = "already_recorded"


def _yes(value: str) -> bool:
    return value == "yes"


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


class FilterForm(forms.Form):
    """A django-filter form laid out by crispy-forms-gds inside the page's GET form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "govuk-select")
            elif isinstance(field.widget, forms.TextInput):
                field.widget.attrs.setdefault("class", "govuk-input")


class LineAnswerForm(forms.Form):
    on_roll = forms.TypedChoiceField(
        choices=YES_NO,
        coerce=_yes,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if the pupil is still on the school's roll"},
    )
    support_correct = forms.TypedChoiceField(
        choices=YES_NO,
        coerce=_yes,
        widget=forms.RadioSelect,
        label="Is the support level correct?",
        error_messages={"required": "Select yes if the support level is correct"},
    )
    #: the line's version when the form was shown (optimistic concurrency)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    correction = forms.CharField(
        label="What is wrong?",
        help_text=(
            "Only if you answered no: for example the date the pupil left, or the hours of "
            "support they actually receive."
        ),
        required=False,
        max_length=2000,
        widget=forms.Textarea,
    )

    def __init__(self, *args, line, **kwargs):
        kwargs["initial"] = {
            "on_roll": _yes_no(line.on_roll),
            "support_correct": _yes_no(line.support_correct),
            "correction": line.correction,
            "version": line.version,
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        name = line.pupil.full_name
        self.fields["on_roll"].label = f"Is {name} still on the school's roll?"
        if not line.expected_on_roll and line.on_roll_to:
            self.fields[
                "on_roll"
            ].help_text = (
                f"Our record shows {name}'s last day on roll as {line.on_roll_to:%d %B %Y}."
            )
        self.fields["support_correct"].help_text = f"Our record: {line.support_summary}."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("on_roll", legend_size=Size.MEDIUM, legend_tag="h2"),
            Field.radios("support_correct", legend_size=Size.MEDIUM, legend_tag="h2"),
            Field.textarea("correction", label_size=Size.MEDIUM, rows=3),
            "version",
            Submit("save", "Save and continue"),
        )


class LineResolveForm(forms.Form):
    """Three outcomes as plain GOV.UK radios (no conditional reveal: the follow-up questions
    are too many to hide, and a revealed radio carries aria-expanded, which axe refuses),
    followed by what each outcome needs, each under its own legend."""

    decision = forms.ChoiceField(
        choices=[
            Choice(
                ACCEPT,
                "Accept the school's correction",
                hint="Record the change from the date it takes effect.",
            ),
            Choice(
                ALREADY_RECORDED,
                "Already recorded — no change needed",
                hint="Our record already shows what the school says (for example, the change "
                "was recorded after the return was issued). Nothing is changed.",
            ),
            Choice(
                REJECT,
                "Reject the correction",
                hint="Our record is right. Give the school the reason.",
            ),
        ],
        widget=forms.RadioSelect,
        label="What do you want to do?",
        error_messages={"required": "Select what to do with the school's correction"},
    )
    effective_on = DateInputField(
        label="Date the change takes effect",
        help_text=(
            "For a pupil no longer on roll, their last day; for a support change, the first day "
            "of the new support. For example, 16 5 2025."
        ),
        required=False,
        require_all_fields=False,
    )
    lsa_hours = forms.DecimalField(
        label="LSA hours a week",
        min_value=0,
        max_value=60,
        decimal_places=2,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    lst_hours = forms.DecimalField(
        label="LST hours a week",
        min_value=0,
        max_value=60,
        decimal_places=2,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    ta_hours = forms.DecimalField(
        label="TA hours a week",
        min_value=0,
        max_value=60,
        decimal_places=2,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    band = forms.TypedChoiceField(
        choices=[("", "No band"), *[(str(n), f"Band {n}") for n in range(1, 6)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    resource_amount = forms.DecimalField(
        label="Annual resource amount (£)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    note = forms.CharField(
        label="Note for the school (optional)",
        help_text="If you accept, or the change is already recorded.",
        required=False,
        widget=forms.Textarea,
    )
    reason = forms.CharField(
        label="Reason the school will see",
        help_text="If you reject the correction.",
        required=False,
        widget=forms.Textarea,
    )

    def __init__(self, *args, line, **kwargs):
        kwargs["initial"] = {
            "lsa_hours": line.lsa_hours,
            "lst_hours": line.lst_hours,
            "ta_hours": line.ta_hours,
            "band": line.band,
            "resource_amount": line.resource_amount,
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        self.support_disputed = line.support_correct is False
        accept_fields = [Field("effective_on")]
        if self.support_disputed:
            accept_fields.append(
                Fieldset(
                    Field.text("lsa_hours", field_width=4),
                    Field.text("lst_hours", field_width=4),
                    Field.text("ta_hours", field_width=4),
                    Field.select("band"),
                    Field.text("resource_amount", field_width=10),
                    legend="Support from the effective date",
                    legend_size=Size.SMALL,
                )
            )
        else:
            for name in ("lsa_hours", "lst_hours", "ta_hours", "band", "resource_amount"):
                del self.fields[name]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("decision", legend_size=Size.MEDIUM, legend_tag="h2"),
            Fieldset(
                *accept_fields,
                legend="If you accept the correction",
                legend_size=Size.SMALL,
            ),
            Field.textarea("note", rows=2),
            Field.textarea("reason", rows=3),
            Submit("save", "Save decision"),
        )

    def support(self) -> SupportHours | None:
        if not self.support_disputed:
            return None
        data = self.cleaned_data
        return SupportHours(
            lsa_hours=data.get("lsa_hours") or Decimal("0"),
            lst_hours=data.get("lst_hours") or Decimal("0"),
            ta_hours=data.get("ta_hours") or Decimal("0"),
            band=data.get("band"),
            resource_amount=data.get("resource_amount"),
        )


class GenerateForm(forms.Form):
    month = forms.CharField(
        label="Month",
        help_text="For example, 2025-05",
        max_length=7,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10"}),
    )
