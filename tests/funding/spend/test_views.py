"""R21 spend pages by role: a school business manager records their own school's spend (another
school's is a 404 and writes nothing); an LA officer records for any school and imports a file;
panel members and cluster hosts get 403."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from funding.spend import services
from funding.spend.models import SenSpend
from tests import factories

D = Decimal


def test_r21_school_manager_records_their_own_schools_spend(client, alder, alder_manager):
    client.force_login(alder_manager)
    assert client.get(f"/spend/2025/{alder.urn}/").status_code == 200
    response = client.post(
        f"/spend/2025/{alder.urn}/",
        {"amount": "48250.00", "staffing": "40000", "resources": "8250", "note": "governors"},
    )
    assert response.status_code == 302
    spend = SenSpend.objects.get(school=alder, financial_year=2025)
    assert (spend.amount, spend.other, spend.recorded_by) == (D("48250.00"), None, alder_manager)


def test_r21_school_manager_edits_their_recorded_spend(client, alder, alder_manager):
    services.sen_spend_record(school=alder, financial_year=2025, amount=D("100.00"))
    client.force_login(alder_manager)
    page = client.get(f"/spend/2025/{alder.urn}/")
    assert page.context["form"].initial["amount"] == D("100.00")
    client.post(f"/spend/2025/{alder.urn}/", {"amount": "250.00"})
    assert SenSpend.objects.get().amount == D("250.00")


@pytest.mark.parametrize("method", ["get", "post"])
def test_r21_another_schools_spend_is_a_404_and_writes_nothing(
    client, alder, birch, alder_manager, method
):
    client.force_login(alder_manager)
    response = getattr(client, method)(f"/spend/2025/{birch.urn}/", {"amount": "1.00"})
    assert response.status_code == 404
    assert not SenSpend.objects.exists()


def test_r21_school_manager_sees_only_their_schools_in_the_list(
    client, alder, birch, alder_manager
):
    services.sen_spend_record(school=birch, financial_year=2025, amount=D("777.00"))
    client.force_login(alder_manager)
    response = client.get("/spend/?fy=2025")
    assert [s.name for s in response.context["table"].data] == ["Alder Primary"]
    assert "Birch Primary" not in response.content.decode()
    export = client.get("/spend/?fy=2025&_export=csv").content.decode()
    assert "Alder Primary" in export and "Birch" not in export


def test_r21_breakdown_that_does_not_add_up_is_shown_as_an_error(client, alder, alder_manager):
    client.force_login(alder_manager)
    response = client.post(f"/spend/2025/{alder.urn}/", {"amount": "100.00", "staffing": "90"})
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [
        "Staffing, resources and other add up to £90.00, not the total of £100.00: "
        "correct the total or the parts."
    ]
    assert not SenSpend.objects.exists()


def test_r21_negative_spend_is_a_form_error(client, alder, alder_manager):
    client.force_login(alder_manager)
    response = client.post(f"/spend/2025/{alder.urn}/", {"amount": "-5"})
    assert response.context["form"].errors["amount"] == ["The total SEN spend must be £0 or more"]


def test_r21_la_officer_records_for_any_school_and_lists_every_school(
    client, alder, birch, la_officer
):
    client.force_login(la_officer)
    client.post(f"/spend/2025/{birch.urn}/", {"amount": "1200.00"})
    assert SenSpend.objects.get(school=birch).recorded_by == la_officer
    response = client.get("/spend/?fy=2025")
    rows = {s.name: s.spend_amount for s in response.context["table"].data}
    assert rows == {"Alder Primary": None, "Birch Primary": D("1200.00")}
    export = client.get("/spend/?fy=2025&_export=xlsx")
    assert export["Content-Disposition"] == 'attachment; filename="sen-spend-2025-26.xlsx"'


def test_r21_la_officer_imports_a_file(client, alder, la_officer):
    client.force_login(la_officer)
    upload = SimpleUploadedFile("spend.csv", b"URN,FY,amount\n300001,2025,640.00\n")
    response = client.post("/spend/import/", {"file": upload})
    assert response.status_code == 302
    assert SenSpend.objects.get(school=alder).amount == D("640.00")


def test_r21_a_rejected_import_lists_the_problems_and_writes_nothing(client, alder, la_officer):
    client.force_login(la_officer)
    upload = SimpleUploadedFile(
        "spend.csv", b"URN,FY,amount\n300001,2025,640.00\n424242,2025,1\n300001,20x5,1\n"
    )
    response = client.post("/spend/import/", {"file": upload})
    assert response.status_code == 422
    body = response.content.decode()
    assert "no school has URN 424242" in body
    assert "&#x27;20x5&#x27; is not a financial year" in body
    assert not SenSpend.objects.exists()


@pytest.mark.parametrize("role", ["school", "panel", "host"])
def test_r21_only_la_officers_import_spend(client, alder, alder_manager, role):
    user = {
        "school": lambda: alder_manager,
        "panel": lambda: factories.panel_member(username="p"),
        "host": lambda: factories.cluster_host(username="h"),
    }[role]()
    client.force_login(user)
    upload = SimpleUploadedFile("spend.csv", b"URN,FY,amount\n300001,2025,640.00\n")
    assert client.post("/spend/import/", {"file": upload}).status_code == 403
    assert not SenSpend.objects.exists()


@pytest.mark.parametrize("role", ["panel", "host"])
def test_r21_panel_members_and_cluster_hosts_do_not_record_spend(client, alder, role):
    user = factories.panel_member(username="p") if role == "panel" else factories.cluster_host()
    client.force_login(user)
    assert client.get("/spend/").status_code == 403
    assert client.post(f"/spend/2025/{alder.urn}/", {"amount": "1"}).status_code == 403
    assert not SenSpend.objects.exists()


def test_r21_spend_pages_send_anonymous_visitors_to_sign_in(client, alder):
    for url in ("/spend/", f"/spend/2025/{alder.urn}/", "/spend/import/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
