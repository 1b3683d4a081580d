"""Host approval: where a department asks for it, a pass is valid only once its host approves."""

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.notify.models import OutboundMessage
from civicgate.org.models import Department, Office, Official
from civicgate.passes import approvals, keys, tokens
from civicgate.passes.models import GatePass, PassPolicy
from civicgate.passes.tests.test_citizen_support import (
    APPROVALS,
    MOBILE,
    _fresh_cache,
    approval_required,
    borough_official,
    citizen,
    citizen_client,
    engineer,
    make_web_pass,
    pass_page,
)

# Fixtures shared with the other citizen pass tests; pytest finds them by name in this module.
SHARED_FIXTURES = (
    _fresh_cache,
    approval_required,
    borough_official,
    citizen,
    citizen_client,
    engineer,
    make_web_pass,
)

pytestmark = pytest.mark.django_db
MakePass = Callable[..., GatePass]


@pytest.fixture
def host_user(make_user: Callable[..., User], engineer: Official) -> User:
    return make_user("sroy", Role.OFFICIAL, employee=engineer.employee)


@pytest.fixture
def colleague(make_official: Callable[..., Official], make_user: Callable[..., User]) -> User:
    """Another Water Supply official at HQ."""
    official = make_official(name="Mitali Ghosh", title="Assistant Engineer")
    return make_user("mghosh", Role.OFFICIAL, employee=official.employee)


def approve(client: Client, gate_pass: GatePass) -> Any:
    return client.post(f"{APPROVALS}{gate_pass.code}/approve/", follow=True)


def reject(client: Client, gate_pass: GatePass, reason: str) -> Any:
    return client.post(f"{APPROVALS}{gate_pass.code}/reject/", {"reason": reason}, follow=True)


def pass_messages() -> Any:
    return OutboundMessage.objects.filter(template_key="pass_issued")


def test_the_host_sees_pending_passes_to_them_and_to_their_department_at_their_office(
    staff_client: Callable[[User], Client],
    host_user: User,
    make_web_pass: MakePass,
    approval_required: PassPolicy,
    water: Department,
    borough_official: Official,
    django_assert_max_num_queries: Any,
) -> None:
    to_host = make_web_pass(name="Anita Sen")
    to_department = make_web_pass(name="Bikash Pal", host_department=water)
    elsewhere = make_web_pass(name="Chitra Bose", host_official=borough_official)
    department_elsewhere = make_web_pass(
        name="Esha Dutta", host_department=water, office=borough_official.employee.office
    )
    issued = make_web_pass(name="Dipak Jana")
    GatePass.objects.filter(pk=issued.pk).update(state=GatePass.State.ISSUED)
    client = staff_client(host_user)

    with django_assert_max_num_queries(12):
        body = client.get(APPROVALS).content.decode()

    assert to_host.code in body and to_department.code in body
    assert elsewhere.code not in body and issued.code not in body
    assert department_elsewhere.code not in body
    assert "+91 ******2345" in body and MOBILE not in body


def test_a_colleague_sees_department_passes_but_not_passes_to_another_official(
    staff_client: Callable[[User], Client],
    colleague: User,
    make_web_pass: MakePass,
    approval_required: PassPolicy,
    water: Department,
) -> None:
    to_host = make_web_pass()
    to_department = make_web_pass(host_department=water)

    body = staff_client(colleague).get(APPROVALS).content.decode()

    assert to_department.code in body and to_host.code not in body
    assert approve(staff_client(colleague), to_host).status_code == 404
    assert GatePass.objects.get(pk=to_host.pk).state == GatePass.State.PENDING


def test_staff_who_are_not_officials_cannot_open_approvals(
    staff_client: Callable[[User], Client], make_user: Callable[..., User], hq: Office
) -> None:
    guard = make_user("guard", Role.GUARD, offices=[hq])

    assert staff_client(guard).get(APPROVALS).status_code == 403


def test_an_official_role_without_an_official_record_is_told_why_nothing_comes(
    staff_client: Callable[[User], Client], make_user: Callable[..., User]
) -> None:
    body = staff_client(make_user("clerk", Role.OFFICIAL)).get(APPROVALS).content.decode()

    assert "not linked to an official" in body


def test_a_pending_pass_is_not_valid_at_the_gate_until_the_host_approves(
    staff_client: Callable[[User], Client],
    host_user: User,
    citizen_client: Client,
    make_web_pass: MakePass,
    approval_required: PassPolicy,
) -> None:
    gate_pass = make_web_pass(language="bn")
    # The token is signed at once, but the gate goes by the pass's state: pending.
    assert tokens.verify(gate_pass.token, keys.published_keys()).code == gate_pass.code
    assert gate_pass.state == GatePass.State.PENDING
    assert (
        'data-testid="pass-qr"'
        not in citizen_client.get(pass_page(gate_pass.code)).content.decode()
    )
    assert not pass_messages().exists()

    response = approve(staff_client(host_user), gate_pass)

    gate_pass.refresh_from_db()
    assert f"Pass {gate_pass.code} approved." in response.content.decode()
    assert gate_pass.state == GatePass.State.ISSUED
    assert gate_pass.approved_by == host_user and gate_pass.approved_at is not None
    assert 'data-testid="pass-qr"' in citizen_client.get(pass_page(gate_pass.code)).content.decode()
    sent = pass_messages()
    assert sorted(m.channel for m in sent) == ["sms", "whatsapp"]
    assert {m.language for m in sent} == {"bn"} and {m.recipient for m in sent} == {MOBILE}
    assert all(gate_pass.code in m.body for m in sent)
    record = AuditRecord.objects.get(action="passes.pass_approved")
    assert record.actor_id == host_user.code and record.object_id == gate_pass.code


def test_the_host_rejects_with_a_reason_the_visitor_sees(
    staff_client: Callable[[User], Client],
    host_user: User,
    citizen_client: Client,
    make_web_pass: MakePass,
    approval_required: PassPolicy,
) -> None:
    gate_pass = make_web_pass()

    response = reject(staff_client(host_user), gate_pass, "Meet the borough office instead")

    gate_pass.refresh_from_db()
    assert f"Pass {gate_pass.code} not approved." in response.content.decode()
    assert gate_pass.state == GatePass.State.REJECTED
    page = citizen_client.get(pass_page(gate_pass.code)).content.decode()
    assert "Meet the borough office instead" in page and 'data-testid="pass-qr"' not in page
    assert not pass_messages().exists()
    record = AuditRecord.objects.get(action="passes.pass_rejected")
    assert record.data["reason"] == "Meet the borough office instead"


def test_a_rejection_without_a_reason_is_refused_and_the_pass_still_waits(
    staff_client: Callable[[User], Client],
    host_user: User,
    make_web_pass: MakePass,
    approval_required: PassPolicy,
) -> None:
    gate_pass = make_web_pass()

    response = reject(staff_client(host_user), gate_pass, "   ")

    assert "Say why the visit is not approved." in response.content.decode()
    assert GatePass.objects.get(pk=gate_pass.pk).state == GatePass.State.PENDING


def test_of_two_officials_deciding_at_once_only_the_first_decision_counts(
    host_user: User,
    colleague: User,
    make_web_pass: MakePass,
    approval_required: PassPolicy,
    water: Department,
) -> None:
    gate_pass = make_web_pass(host_department=water)
    seen_by_host = approvals.pass_to_decide(host_user, gate_pass.code)
    seen_by_colleague = approvals.pass_to_decide(colleague, gate_pass.code)

    approvals.approve_pass(seen_by_host, user=host_user)
    with pytest.raises(approvals.AlreadyDecided):
        approvals.reject_pass(seen_by_colleague, user=colleague, reason="No")
    with pytest.raises(approvals.AlreadyDecided):
        approvals.approve_pass(seen_by_colleague, user=colleague)

    gate_pass.refresh_from_db()
    assert gate_pass.state == GatePass.State.ISSUED and gate_pass.approved_by == host_user
    assert (
        AuditRecord.objects.filter(
            action__in=["passes.pass_approved", "passes.pass_rejected"]
        ).count()
        == 1
    )
    assert pass_messages().count() == 2


def test_a_second_click_on_approve_says_it_is_already_decided(
    staff_client: Callable[[User], Client],
    host_user: User,
    make_web_pass: MakePass,
    approval_required: PassPolicy,
) -> None:
    gate_pass = make_web_pass()
    client = staff_client(host_user)
    approve(client, gate_pass)

    response = approve(client, gate_pass)

    assert "This pass has already been decided." in response.content.decode()
    assert pass_messages().count() == 2


def test_a_pass_whose_window_has_ended_cannot_be_approved(
    staff_client: Callable[[User], Client],
    host_user: User,
    make_web_pass: MakePass,
    approval_required: PassPolicy,
) -> None:
    gate_pass = make_web_pass()
    GatePass.objects.filter(pk=gate_pass.pk).update(
        valid_from=timezone.now() - timedelta(hours=5),
        valid_until=timezone.now() - timedelta(hours=1),
    )

    response = approve(staff_client(host_user), gate_pass)

    assert "time window has already ended" in response.content.decode()
    assert GatePass.objects.get(pk=gate_pass.pk).state == GatePass.State.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_approvals_racing_in_two_connections_give_one_winner(
    host_user: User,
    colleague: User,
    make_web_pass: MakePass,
    approval_required: PassPolicy,
    water: Department,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite in memory has one connection; the stale-object test covers it")
    gate_pass = make_web_pass(host_department=water)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(user: User) -> None:
        from django.db import connection as thread_connection

        try:
            seen = approvals.pass_to_decide(user, gate_pass.code)
            barrier.wait(timeout=10)
            approvals.approve_pass(seen, user=user)
            outcomes.append("approved")
        except approvals.AlreadyDecided:
            outcomes.append("already decided")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=decide, args=(u,)) for u in (host_user, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(outcomes) == ["already decided", "approved"]
    assert AuditRecord.objects.filter(action="passes.pass_approved").count() == 1
    assert pass_messages().count() == 2
