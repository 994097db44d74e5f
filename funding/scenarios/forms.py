"""Forms for scenario pages: they parse input; the services do the work."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from funding.calculations.scheme import AMOUNT_FIELDS, AWPU_FIELDS, ROLE_LABELS
from funding.models import ThresholdBasis
from funding.scenarios.calculations import RATE_SETS

MONEY_ERRORS = {"invalid": "Enter an amount in pounds, like 6000 or 15.50."}


def _money(label: str, initial) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        initial=initial,
        min_value=Decimal("0"),
        max_digits=16,
        decimal_places=8,
        required=False,
        error_messages=MONEY_ERRORS,
    )


class ScenarioCreateForm(forms.Form):
    financial_year = forms.IntegerField(
        label="Financial year it starts in", help_text="2025 means FY 2025-26."
    )
    name = forms.CharField(max_length=120)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ScenarioEditForm(forms.Form):
    """The scenario's figures, grouped as the scheme page shows them: the scheme's amounts,
    hourly rates, TA hours bands, special school band rates."""

    def __init__(self, *args, values: dict, schools: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups: list[tuple[str, list[str]]] = []
        fields = values.get("fields", {})
        names = []
        for name, (label, _floor) in AWPU_FIELDS.items():
            self.fields[f"f_{name}"] = _money(label, fields.get(name))
            names.append(f"f_{name}")
        for name, label in AMOUNT_FIELDS.items():
            self.fields[f"f_{name}"] = _money(label, fields.get(name))
            names.append(f"f_{name}")
        self.fields["f_threshold_basis"] = forms.ChoiceField(
            label="What the threshold counts",
            choices=ThresholdBasis.choices,
            initial=fields.get("threshold_basis"),
        )
        names.append("f_threshold_basis")
        self.groups.append(("Scheme figures", names))
        names = []
        for r in values.get("hourly_rates", []):
            key = f"h_{r['role']}_{r['phase']}"
            label = f"{ROLE_LABELS.get(r['role'], r['role'])} ({r['phase']}) per hour"
            self.fields[key] = _money(label, r["hourly_rate"])
            names.append(key)
        self.groups.append(("Hourly rates (R5)", names))
        names = []
        for i, b in enumerate(values.get("ta_bands", [])):
            for part, text in (
                ("amount_from", "from"),
                ("rate_per_hour", "per hour"),
                ("amount_to", "at most"),
            ):
                key = f"t_{i}_{part}"
                self.fields[key] = _money(
                    f"TA band {b.get('label') or b['min_hours']}: {text}", b.get(part)
                )
                names.append(key)
        self.groups.append(("TA hours bands (R5)", names))
        names = []
        for b in values.get("band_rates", []):
            key = f"b_{b['school_id']}_{b['band']}"
            school = schools.get(int(b["school_id"]), ("", f"school {b['school_id']}"))[1]
            self.fields[key] = _money(f"{school}: band {b['band']}", b["rate"])
            names.append(key)
        self.groups.append(("Special school band rates (R12)", names))
        self.fields["reason"] = forms.CharField(
            max_length=100, initial="Rates edited", label="Why (kept in the history)"
        )
        self.values = values

    def changes(self) -> dict:
        """The services' keyword arguments for what was changed."""
        data = self.cleaned_data
        fields, hourly, ta, bands = {}, {}, {}, {}
        for key, value in data.items():
            if key.startswith("f_"):
                name = key[2:]
                current = self.values["fields"].get(name)
                if value is not None and str(value) != str(current):
                    fields[name] = value
            elif key.startswith("h_") and value is not None:
                _h, role, phase = key.split("_", 2)
                hourly[(role, phase)] = {"hourly_rate": value}
            elif key.startswith("t_"):
                _t, i, part = key.split("_", 2)
                band = self.values["ta_bands"][int(i)]
                ta.setdefault(band["min_hours"], {})[part] = value
            elif key.startswith("b_") and value is not None:
                _b, school, band = key.split("_")
                bands[(int(school), int(band))] = value
        return {"fields": fields, "hourly_rates": hourly, "ta_bands": ta, "band_rates": bands}


class RunForm(forms.Form):
    as_at = forms.DateTimeField(
        label="Live data as at (optional)",
        required=False,
        help_text="Leave empty for the data as it stands now. For example 2025-11-01 09:00.",
    )


class CostNeutralForm(forms.Form):
    rate_set = forms.ChoiceField(label="Apply one factor to", choices=list(RATE_SETS.items()))
    target = forms.DecimalField(
        label="Target total (optional)",
        required=False,
        min_value=Decimal("0"),
        decimal_places=2,
        help_text="Leave empty to match the live scheme's total on the same data.",
        error_messages=MONEY_ERRORS,
    )


PERCENT_ERRORS = {"invalid": "Enter a percentage, like 5 or 2.5."}


class ProtectionForm(forms.Form):
    """Transitional protection (R26): leave the loss cap empty for none."""

    loss_cap_percent = forms.DecimalField(
        label="Most a school can lose (%)",
        required=False,
        max_digits=6,
        decimal_places=3,
        help_text="Of what it had before, for example 5. Leave empty for no protection.",
        error_messages=PERCENT_ERRORS,
    )
    gain_cap_percent = forms.DecimalField(
        label="Most a school can gain (%) (optional)",
        required=False,
        max_digits=6,
        decimal_places=3,
        help_text="Leave empty for no cap on gains.",
        error_messages=PERCENT_ERRORS,
    )
    funded = forms.TypedChoiceField(
        label="Who pays for the protection",
        choices=[
            ("yes", "The LA meets the cost"),
            ("no", "Schools still gaining pay for it, in proportion to their gains"),
        ],
        coerce=lambda v: v == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )

    def clean(self):
        data = super().clean()
        if data.get("loss_cap_percent") is None and data.get("gain_cap_percent") is not None:
            self.add_error("loss_cap_percent", "Enter the loss cap to cap gains as well.")
        return data


class UpliftForm(forms.Form):
    """An uplift (e.g. a pay award) to the live scheme's rates from a date (R26)."""

    financial_year = forms.IntegerField(
        label="Financial year it starts in", help_text="2025 means FY 2025-26."
    )
    percent = forms.DecimalField(
        label="Uplift (%)",
        max_digits=7,
        decimal_places=3,
        min_value=Decimal("-100"),
        help_text="For example 3 for a 3% pay award.",
        error_messages=PERCENT_ERRORS,
    )
    rate_set = forms.ChoiceField(label="Apply it to", choices=list(RATE_SETS.items()))
    effective_from = forms.DateField(
        label="From",
        help_text="A date in the financial year, for example 2025-09-01.",
        error_messages={"invalid": "Enter a date, like 2025-09-01."},
    )
    reason = forms.CharField(
        label="Why (kept with the new version of the scheme)",
        max_length=300,
        required=False,
        help_text="Needed to adopt, for example NJC pay award 2025.",
    )


class AdoptForm(forms.Form):
    """Adopt a scenario as next year's scheme (R26): one action with who and why."""

    reason = forms.CharField(
        label="Why (kept with next year's scheme)",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why: the reason is kept with next year's scheme."},
    )
    replace = forms.BooleanField(
        label="Next year already has a scheme: replace its values with this scenario's",
        required=False,
    )
