"""Schemes as data: validation naming the field, presets from the seeds, copying to a new year,
the load_scheme command, and the admin (inlines, copy action, history)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from funding import services
from funding.calculations.scheme import HourlyRateData, validate_hourly_rates
from funding.models import FundingScheme, HourlyRate, TaHoursBand
from funding.presets import PRESETS
from tests import factories
from tests.funding import builders as b

D = Decimal
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


# ---- validation --------------------------------------------------------------------------------


def test_scheme_with_a_missing_awpu_is_refused_naming_the_field(home_la):
    scheme = b.make_scheme(home_la, awpu_ks3=None)
    with pytest.raises(ValidationError) as exc:
        services.scheme_validate(scheme)
    assert exc.value.message_dict == {"awpu_ks3": ["AWPU for key stage 3 is missing."]}


def test_scheme_with_a_missing_hourly_rate_is_refused_naming_the_rate(home_la):
    scheme = b.make_scheme(home_la)
    HourlyRate.objects.filter(scheme=scheme, role="lst", phase="secondary").delete()
    with pytest.raises(ValidationError) as exc:
        services.scheme_validate(scheme)
    assert exc.value.message_dict == {
        "hourly_rates": ["The hourly rate for LST (secondary) is missing."]
    }


def test_scheme_with_a_negative_amount_is_refused_naming_the_field(home_la):
    scheme = b.make_scheme(home_la)
    scheme.threshold = D("-1.00")
    with pytest.raises(ValidationError) as exc:
        scheme.full_clean()
    assert exc.value.message_dict == {"threshold": ["Enter an amount of £0 or more."]}


def test_negative_amount_named_by_the_validator(home_la):
    scheme = b.make_scheme(home_la)
    scheme.ssc_unoccupied_place_amount = D("-10")
    assert services.scheme_errors(scheme) == {
        "ssc_unoccupied_place_amount": [
            "The SSC unoccupied place amount cannot be negative (−£10.00)."
        ]
    }


def test_r1_awpu_below_the_national_floor_is_refused(home_la):
    scheme = b.make_scheme(home_la, awpu_primary=D("1999.99"))
    with pytest.raises(ValidationError) as exc:
        scheme.full_clean()
    assert exc.value.message_dict["awpu_primary"] == [
        "AWPU for primary (Reception to Year 6) is £1,999.99, below the national floor of "
        "£2,000.00 (R1)."
    ]


def test_run_refused_while_the_scheme_is_incomplete(home_la, fy2025_terms):
    b.make_scheme(home_la, awpu_ks4=None)
    with pytest.raises(ValidationError) as exc:
        services.run_allocation(fy=2025, kind="initial")
    assert exc.value.message_dict == {"awpu_ks4": ["AWPU for key stage 4 is missing."]}


def test_ta_bands_method_needs_bands_from_zero_hours(home_la):
    scheme = b.make_scheme(home_la, top_up_method="ta_bands")
    TaHoursBand.objects.create(scheme=scheme, min_hours=D("13"), amount_from=D("0"))
    assert services.scheme_errors(scheme) == {
        "ta_bands": ["The first TA hours band must start at 0 hours."]
    }


def test_negative_hourly_rate_named():
    rows = [HourlyRateData("lsa", "primary", D("-1"), D("39"))]
    assert validate_hourly_rates(rows, top_up="ta_bands") == {
        "hourly_rates": ["The hourly rate for LSA (primary) cannot be negative (−£1.00)."]
    }


# ---- presets -----------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["hackney", "west-sussex", "torbay", "surrey", "norfolk"])
def test_every_preset_loads_and_validates(home_la, preset):
    scheme = services.scheme_load_preset(preset=preset, financial_year=2025)
    assert services.scheme_errors(scheme) == {}
    assert scheme.preset == preset
    assert "ASSUMPTIONS" in scheme.notes
    assert scheme.history.count() >= 1


def test_torbay_preset_has_the_seed_figures(home_la):
    scheme = services.scheme_load_preset(preset="torbay", financial_year=2025)
    assert (scheme.awpu_primary, scheme.awpu_ks3, scheme.awpu_ks4) == (
        D("2806.18"),
        D("3862.65"),
        D("4386.81"),
    )
    assert scheme.threshold == D("10000.00")
    weights = {f.factor: f.weight_percent for f in scheme.sen_factors.all()}
    assert weights == {
        "awpu": D("5.00"),
        "fsm": D("50.00"),
        "idaci": D("50.00"),
        "low_prior_attainment": D("100.00"),
    }


def test_west_sussex_preset_has_the_r4_rule(home_la):
    scheme = services.scheme_load_preset(preset="west-sussex", financial_year=2025)
    assert scheme.additional_sen_support
    assert (scheme.ass_percentage, scheme.ass_amount, scheme.ass_counting_month) == (
        D("3.00"),
        D("6000.00"),
        11,
    )
    assert (scheme.special_place_amount, scheme.ssc_occupied_place_amount) == (
        D("10000.00"),
        D("6000.00"),
    )


def test_surrey_preset_bands_follow_the_seed(home_la):
    scheme = services.scheme_load_preset(preset="surrey", financial_year=2025)
    bands = [(b.min_hours, b.amount_from, b.amount_to) for b in scheme.ta_bands.all()]
    assert bands == [
        (D("0.00"), D("0.00"), D("0.00")),
        (D("13.00"), D("0.00"), D("3000.00")),
        (D("20.00"), D("3000.00"), D("7000.00")),
        (D("29.00"), D("7000.00"), D("10000.00")),
        (D("35.00"), D("10000.00"), None),
    ]


def test_hackney_preset_retains_primary_lst_centrally(home_la):
    scheme = services.scheme_load_preset(preset="hackney", financial_year=2025)
    retained = [(r.role, r.phase) for r in scheme.hourly_rates.filter(delegated=False)]
    assert retained == [("lst", "primary")]


def test_norfolk_preset_psf_cut_over(home_la):
    scheme = services.scheme_load_preset(preset="norfolk", financial_year=2025)
    assert scheme.psf_enabled and scheme.psf_cutover_date == dt.date(2012, 9, 1)


def test_loading_a_preset_twice_needs_replace(home_la):
    services.scheme_load_preset(preset="torbay", financial_year=2025)
    with pytest.raises(ValidationError, match="already has a scheme for FY 2025-26"):
        services.scheme_load_preset(preset="surrey", financial_year=2025)
    scheme = services.scheme_load_preset(preset="surrey", financial_year=2025, replace=True)
    assert scheme.top_up_method == "ta_bands" and FundingScheme.objects.count() == 1
    assert scheme.hourly_rates.count() == 0


def test_presets_are_the_five_seed_authorities():
    assert sorted(PRESETS) == ["hackney", "norfolk", "surrey", "torbay", "west-sussex"]


# ---- copy to a new year ------------------------------------------------------------------------


def test_copy_scheme_to_the_next_year_with_its_rate_tables(home_la, la_officer):
    scheme = services.scheme_load_preset(preset="west-sussex", financial_year=2025)
    copy = services.scheme_copy(scheme=scheme, financial_year=2026, user=la_officer)
    assert copy.financial_year == 2026
    assert copy.name == "West Sussex FY 2026-27"
    assert copy.hourly_rates.count() == scheme.hourly_rates.count() == 6
    assert copy.sen_factors.count() == 4
    assert copy.awpu_primary == scheme.awpu_primary
    assert copy.notes.startswith("Copied from FY 2025-26")
    assert copy.history.first().history_user == la_officer


def test_copy_refused_when_the_year_has_a_scheme(home_la):
    scheme = b.make_scheme(home_la)
    b.make_scheme(home_la, fy=2026)
    with pytest.raises(ValidationError) as exc:
        services.scheme_copy(scheme=scheme, financial_year=2026)
    assert exc.value.message_dict == {
        "financial_year": ["Demo Borough already has a scheme for FY 2026-27."]
    }


# ---- command ---------------------------------------------------------------------------------


def test_load_scheme_command(home_la, capsys):
    call_command("load_scheme", "west-sussex", "--fy", "2025")
    out = capsys.readouterr().out
    assert "Loaded West Sussex FY 2025-26 (999, FY 2025-26)" in out
    assert "ASSUMPTIONS" in out


def test_load_scheme_command_needs_an_administering_la(db):
    with pytest.raises(CommandError, match="no administering LA"):
        call_command("load_scheme", "torbay", "--fy", "2025")


# ---- admin -------------------------------------------------------------------------------------


def test_admin_scheme_page_has_the_rate_tables_inline(client, home_la):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    scheme = b.make_scheme(home_la)
    response = client.get(reverse("admin:funding_fundingscheme_change", args=[scheme.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for prefix in ("sen_factors", "hourly_rates", "ta_bands"):
        assert f'name="{prefix}-TOTAL_FORMS"' in body


def test_admin_copy_action_copies_to_the_next_year(client, home_la):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    scheme = b.make_scheme(home_la)
    response = client.post(
        reverse("admin:funding_fundingscheme_changelist"),
        {"action": "copy_to_next_year", "_selected_action": [scheme.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert FundingScheme.objects.filter(la=home_la, financial_year=2026).exists()


def _admin_post_data(response) -> dict:
    """The change form's current values as POST data (main form and every inline)."""
    data = {}

    def add(form):
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            add(form)
    return data


def test_admin_refuses_an_hourly_scheme_without_every_rate(client, home_la):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    scheme = b.make_scheme(home_la)
    url = reverse("admin:funding_fundingscheme_change", args=[scheme.pk])
    data = _admin_post_data(client.get(url))
    first_lsa = next(
        key[: -len("-role")]
        for key, value in data.items()
        if key.startswith("hourly_rates-") and key.endswith("-role") and value == "lsa"
    )
    data[f"{first_lsa}-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200  # the form comes back with the error
    assert "is missing." in response.content.decode()
    assert scheme.hourly_rates.count() == 6
