"""The audit search screen: who may look, what each sees, the filters, and that looking is recorded."""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils.html import escape

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.chain import record, verify_chain
from civicgate.audit.models import AuditRecord
from civicgate.org.models import Office

pytestmark = pytest.mark.django_db
SEARCH = "/audit/"
KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def trail(hq: Office, borough: Office) -> dict[str, AuditRecord]:
    return {
        "hq": record("org.gate_added", actor="hr import", office=hq, data={"gate": "Gate 5"}),
        "borough": record(
            "org.gate_added", actor="hr import", office=borough, data={"gate": "Side Gate"}
        ),
        "none": record("accounts.login", actor="someone", data={}),
    }


@pytest.fixture
def hq_admin(make_user: Callable[..., User], hq: Office) -> User:
    return make_user("asha", Role.SYSTEM_ADMIN, offices=[hq])


@pytest.fixture
def chief(make_user: Callable[..., User]) -> User:
    return make_user("sekhar", Role.SECURITY_ADMIN, all_offices=True)


def shown(response: Any) -> list[str]:
    """The record links on a results page, in order."""
    body = response.content.decode()
    return [part.split("/", 1)[0] for part in body.split('href="/audit/')[1:] if part[:1] != '"']


def hashes(*entries: AuditRecord) -> list[str]:
    return [e.hash for e in entries]


def test_an_office_admin_sees_only_the_records_of_their_offices(
    staff_client: Callable[[User], Client], hq_admin: User, trail: dict[str, AuditRecord]
) -> None:
    page = staff_client(hq_admin).get(SEARCH)

    assert page.status_code == 200
    assert shown(page) == hashes(trail["hq"])


def test_an_all_offices_admin_sees_every_record(
    staff_client: Callable[[User], Client], chief: User, trail: dict[str, AuditRecord]
) -> None:
    page = staff_client(chief).get(SEARCH)

    assert shown(page) == hashes(trail["none"], trail["borough"], trail["hq"])


@pytest.mark.parametrize("role", [Role.GUARD, Role.DESK_OPERATOR, Role.SUPERVISOR, Role.OFFICIAL])
def test_other_roles_are_refused(
    staff_client: Callable[[User], Client],
    make_user: Callable[..., User],
    role: str,
    trail: dict[str, AuditRecord],
) -> None:
    client = staff_client(make_user("someone", role, all_offices=True))

    assert client.get(SEARCH).status_code == 403
    assert client.get(f"/audit/{trail['hq'].hash}/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(SEARCH)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_filters_by_action_prefix_actor_object_and_office(
    staff_client: Callable[[User], Client], chief: User, trail: dict[str, AuditRecord], hq: Office
) -> None:
    client = staff_client(chief)
    device_record = record("devices.registered", actor=chief, obj=hq, office=hq)

    assert shown(client.get(SEARCH, {"actor": "sek"})) == hashes(device_record)
    assert shown(client.get(SEARCH, {"actor": chief.code, "action": "devices."})) == hashes(
        device_record
    )
    assert shown(client.get(SEARCH, {"action": "org."})) == hashes(trail["borough"], trail["hq"])
    assert shown(client.get(SEARCH, {"action": "org.", "office": "BR-07"})) == hashes(
        trail["borough"]
    )
    assert shown(client.get(SEARCH, {"object_type": "org.office", "object_id": "HQ"})) == hashes(
        device_record
    )


def test_filters_by_date_range_in_local_days(
    staff_client: Callable[[User], Client], chief: User, hq: Office
) -> None:
    with time_machine.travel(datetime(2026, 3, 1, 23, 50, tzinfo=KOLKATA), tick=False):
        late_first = record("test.day", office=hq)
    with time_machine.travel(datetime(2026, 3, 2, 0, 10, tzinfo=KOLKATA), tick=False):
        early_second = record("test.day", office=hq)

    client = staff_client(chief)

    assert shown(client.get(SEARCH, {"action": "test.", "date_from": "2026-03-02"})) == hashes(
        early_second
    )
    assert shown(client.get(SEARCH, {"action": "test.", "date_to": "2026-03-01"})) == hashes(
        late_first
    )


def test_an_office_admin_cannot_filter_their_way_into_another_office(
    staff_client: Callable[[User], Client], hq_admin: User, trail: dict[str, AuditRecord]
) -> None:
    page = staff_client(hq_admin).get(SEARCH, {"office": "BR-07"})

    assert shown(page) == []
    assert "Select a valid choice." in page.content.decode()


def test_a_backwards_date_range_is_explained_and_the_filters_kept(
    staff_client: Callable[[User], Client], chief: User, trail: dict[str, AuditRecord]
) -> None:
    page = staff_client(chief).get(
        SEARCH, {"action": "org.", "date_from": "2026-03-05", "date_to": "2026-03-01"}
    )

    body = page.content.decode()
    assert "The end date is before the start date." in body
    assert 'value="org."' in body
    assert shown(page) == []


def test_htmx_gets_only_the_results_fragment(
    staff_client: Callable[[User], Client], chief: User, trail: dict[str, AuditRecord]
) -> None:
    page = staff_client(chief).get(SEARCH, {"action": "org."}, HTTP_HX_REQUEST="true")

    body = page.content.decode()
    assert "<html" not in body
    assert 'data-testid="audit-results"' in body
    assert shown(page) == hashes(trail["borough"], trail["hq"])


def test_results_come_fifty_to_a_page_newest_first(
    staff_client: Callable[[User], Client], chief: User, hq: Office
) -> None:
    entries = [record("test.bulk", office=hq, data={"n": n}) for n in range(60)]
    client = staff_client(chief)

    first = client.get(SEARCH, {"action": "test.bulk"})
    second = client.get(SEARCH, {"action": "test.bulk", "page": 2})

    assert shown(first) == [e.hash for e in reversed(entries[10:])]
    assert shown(second) == [e.hash for e in reversed(entries[:10])]
    assert "Page 1 of 2" in first.content.decode()
    assert "action=test.bulk&amp;page=2" in first.content.decode()


@pytest.mark.parametrize("count", [5, 80])
def test_the_search_takes_the_same_few_queries_however_many_records(
    staff_client: Callable[[User], Client],
    hq_admin: User,
    hq: Office,
    count: int,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(count):
        record("test.bulk", office=hq, data={"n": n})
    client = staff_client(hq_admin)

    with django_assert_max_num_queries(12):
        page = client.get(SEARCH)

    assert len(shown(page)) == min(count, 50)


def test_searching_is_itself_recorded(
    staff_client: Callable[[User], Client], chief: User, trail: dict[str, AuditRecord]
) -> None:
    staff_client(chief).get(SEARCH, {"action": "org.", "office": "HQ"})

    entry = AuditRecord.objects.get(action="audit.searched")
    assert entry.actor_label == "sekhar"
    assert entry.data == {"filters": {"action": "org.", "office": "HQ"}, "page": 1}


def test_one_record_shows_its_data_as_formatted_json_and_the_look_is_recorded(
    staff_client: Callable[[User], Client], hq_admin: User, trail: dict[str, AuditRecord]
) -> None:
    page = staff_client(hq_admin).get(f"/audit/{trail['hq'].hash}/")

    body = page.content.decode()
    assert page.status_code == 200
    assert escape(json.dumps({"gate": "Gate 5"}, indent=2)) in body
    assert trail["hq"].prev_hash in body
    viewed = AuditRecord.objects.get(action="audit.record_viewed")
    assert (viewed.actor_label, viewed.office_code, viewed.data) == (
        "asha",
        "HQ",
        {"seq": trail["hq"].seq},
    )
    assert verify_chain()[1] == []


def test_a_record_of_another_office_cannot_be_opened(
    staff_client: Callable[[User], Client], hq_admin: User, trail: dict[str, AuditRecord]
) -> None:
    client = staff_client(hq_admin)

    assert client.get(f"/audit/{trail['borough'].hash}/").status_code == 404
    assert client.get(f"/audit/{trail['none'].hash}/").status_code == 404
    assert not AuditRecord.objects.filter(action="audit.record_viewed").exists()


def test_the_django_admin_shows_records_but_cannot_add_change_or_delete(
    make_user: Callable[..., User], trail: dict[str, AuditRecord], client: Client
) -> None:
    root = make_user("root")
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    entry = trail["hq"]

    assert client.get("/admin/audit/auditrecord/").status_code == 200
    assert client.get("/admin/audit/auditrecord/add/").status_code == 403
    assert client.get(f"/admin/audit/auditrecord/{entry.pk}/delete/").status_code == 403
    client.post(f"/admin/audit/auditrecord/{entry.pk}/change/", {"action": "test.changed"})
    assert AuditRecord.objects.get(pk=entry.pk).action == "org.gate_added"
    assert verify_chain()[1] == []


def test_records_older_than_a_day_are_still_found_by_date(
    staff_client: Callable[[User], Client], chief: User, hq: Office
) -> None:
    with time_machine.travel(datetime(2025, 12, 31, 12, 0, tzinfo=KOLKATA), tick=False):
        old = record("test.old", office=hq)
    page = staff_client(chief).get(SEARCH, {"date_from": "2025-12-31", "date_to": "2025-12-31"})

    assert shown(page) == hashes(old)
