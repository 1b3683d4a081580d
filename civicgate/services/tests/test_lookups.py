"""Lookups by number: everyone sees the status; only the owner's verified mobile sees details."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from civicgate.accounts.models import Citizen
from civicgate.audit.models import AuditRecord
from civicgate.services.import_actions import import_records
from civicgate.services.lookups import permission_status, plan_status, property_tax_dues
from civicgate.services.tests.conftest import as_citizen
from civicgate.services.tests.test_imports import ASSESSMENTS


@pytest.fixture
def roll(db: object) -> None:
    import_records(ASSESSMENTS.encode(), "roll.csv", "assessments", actor="t")
    import_records(
        b"assessee_no,receipt_no,paid_on,amount\n110010100011,R-0001,2026-06-20,1500\n",
        "r.csv",
        "receipts",
        actor="t",
    )
    import_records(
        b"number,applicant_name,applicant_mobile,premises,ward,submitted_on,status\n"
        b"2026070012,Anirban Mukherjee,9830012345,12 Lake Place,85,2026-07-01,query\n",
        "p.csv",
        "plans",
        actor="t",
    )
    import_records(
        b"number,holder_name,holder_mobile,kind,site,ward,status,valid_until\n"
        b"ADV/2026/0451,Anirban Mukherjee,9830012345,hoarding,80 Rashbehari Avenue,85,granted,2027-03-31\n",
        "a.csv",
        "permissions",
        actor="t",
    )


@time_machine.travel("2026-11-20 10:00 +05:30", tick=False)
def test_dues_give_the_amount_due_date_and_payment_link_without_personal_details(
    roll: None, other_citizen: Citizen, settings: object
) -> None:
    settings.KMC_PAYMENT_URL = "https://pay.example.test/kmc/"  # type: ignore[attr-defined]
    for who in (None, other_citizen):
        found = property_tax_dues("1100 1010 0011", who)
        assert found is not None
        assert found.total_due == 1200 + 1500 + 1500
        assert found.next_due_date is not None and found.next_due_date.isoformat() == "2026-12-31"
        assert found.payment_url == "https://pay.example.test/kmc/"
        assert not found.is_owner
        assert found.owner_name == "" and found.premises == "" and found.receipts == []
    assert not AuditRecord.objects.filter(action="services.assessment_viewed").exists()
    assert property_tax_dues("000") is None


def test_the_owner_sees_their_details_and_receipts_and_the_look_is_audited(
    roll: None, citizen: Citizen
) -> None:
    found = property_tax_dues("110010100011", citizen)
    assert found is not None and found.is_owner
    assert found.owner_name == "Anirban Mukherjee" and "Lake Place" in found.premises
    assert [r.receipt_no for r in found.receipts] == ["R-0001"]
    assert AuditRecord.objects.filter(action="services.assessment_viewed").count() == 1


def test_plan_and_permission_status_hide_names_from_others(
    roll: None, citizen: Citizen, other_citizen: Citizen
) -> None:
    plan = plan_status("2026070012", other_citizen)
    assert plan is not None and plan.status == "query" and plan.name == "" and plan.place == ""
    mine = plan_status("2026070012", citizen)
    assert mine is not None and mine.name == "Anirban Mukherjee"
    permit = permission_status("adv/2026/0451")
    assert permit is not None and permit.status_label == "Granted" and permit.name == ""
    assert permit.valid_until is not None


def test_the_dues_page_shows_details_only_to_the_signed_in_owner(
    client: Client, roll: None, citizen: Citizen, other_citizen: Citizen
) -> None:
    anonymous = client.get("/citizen/services/property-tax/?number=110010100011").content.decode()
    assert 'data-testid="pay-link"' in anonymous and "Anirban" not in anonymous
    as_citizen(client, other_citizen)
    other = client.get("/citizen/services/property-tax/?number=110010100011").content.decode()
    assert "Anirban" not in other and 'data-testid="status-only"' in other
    as_citizen(client, citizen)
    owner = client.get("/citizen/services/property-tax/?number=110010100011").content.decode()
    assert "Anirban Mukherjee" in owner and "R-0001" in owner


def test_tracking_without_signing_in_shows_the_status_only_and_is_rate_limited(
    client: Client, file_request: object, citizen: Citizen
) -> None:
    sr = file_request()  # type: ignore[operator]
    page = client.get(f"/citizen/services/track/?number={sr.number}").content.decode()
    assert "Submitted" in page and sr.description not in page and "2345" not in page
    for _n in range(60):
        client.get("/citizen/services/track/?number=WS-2611-99999")
    limited = client.get(f"/citizen/services/track/?number={sr.number}").content.decode()
    assert "Too many lookups" in limited


def test_a_citizen_cannot_open_someone_elses_request(
    client: Client, file_request: object, other_citizen: Citizen
) -> None:
    sr = file_request()  # type: ignore[operator]
    as_citizen(client, other_citizen)
    assert client.get(f"/citizen/services/r/{sr.number}/").status_code == 404
    assert client.post(f"/citizen/services/r/{sr.number}/rate/", {"rating": "1"}).status_code == 404
    photo_url = f"/citizen/services/r/{sr.number}/photo/XXXX/"
    assert client.get(photo_url).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        mine = client.get("/citizen/services/mine/").content.decode()
    assert sr.number not in mine


def test_the_chatbot_looks_up_dues_with_a_verified_whatsapp_number(roll: None) -> None:
    from civicgate.services.public import property_tax_dues as dues_for

    owner = dues_for("110010100011", "98300 12345")
    assert owner is not None and owner.is_owner and owner.owner_name == "Anirban Mukherjee"
    assert AuditRecord.objects.filter(
        action="services.assessment_viewed", actor_label="mobile +91 ******2345"
    ).exists()
    stranger = dues_for("110010100011", "98300 54321")
    assert stranger is not None and not stranger.is_owner and stranger.owner_name == ""


def test_my_requests_costs_the_same_queries_for_one_or_many(
    client: Client, file_request: object, citizen: Citizen, django_assert_max_num_queries: object
) -> None:
    file_request()  # type: ignore[operator]
    as_citizen(client, citizen)
    client.get("/citizen/services/mine/")
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        one = client.get("/citizen/services/mine/")
    for _n in range(10):
        file_request()  # type: ignore[operator]
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        many = client.get("/citizen/services/mine/")
    assert one.content.decode().count('data-testid="my-request"') == 1
    assert many.content.decode().count('data-testid="my-request"') == 11
