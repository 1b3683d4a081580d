"""The pass page: the QR to show at the gate, for the pass's owner or whoever holds its link."""

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
import segno
from django.test import Client
from django.utils import timezone

from civicgate.accounts.models import Citizen
from civicgate.audit.models import AuditRecord
from civicgate.passes import citizen_actions, keys, tokens
from civicgate.passes.models import GatePass, PassPolicy
from civicgate.passes.tests.test_citizen_support import (
    MASKED,
    MINE,
    OTHER_MOBILE,
    _fresh_cache,
    approval_required,
    citizen,
    citizen_client,
    engineer,
    make_citizen,
    make_web_pass,
    pass_page,
    sign_in_citizen,
)

# Fixtures shared with the other citizen pass tests; pytest finds them by name in this module.
SHARED_FIXTURES = (
    _fresh_cache,
    approval_required,
    citizen,
    citizen_client,
    engineer,
    make_web_pass,
)

pytestmark = pytest.mark.django_db
MakePass = Callable[..., GatePass]


def signed(gate_pass: GatePass) -> str:
    return citizen_actions.pass_path(gate_pass)


def test_the_owner_sees_the_qr_code_name_office_host_window_and_masked_mobile(
    citizen_client: Client, make_web_pass: MakePass
) -> None:
    # Within one Kolkata day: a window that runs past midnight makes a multi-day pass.
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, time(10)))
    gate_pass = make_web_pass(start=start)

    body = citizen_client.get(pass_page(gate_pass.code)).content.decode()

    assert 'data-testid="pass-qr"' in body and "<svg" in body
    assert gate_pass.code in body
    assert "Anita Sen" in body
    assert "KMC Headquarters" in body and "5 S.N. Banerjee Road" in body
    assert "Sudipta Roy, Executive Engineer" in body
    assert MASKED in body and "9830012345" not in body
    assert "Single entry" in body and "Issued" in body
    assert "Kolkata time" in body


def test_the_qr_on_the_page_carries_the_pass_token_that_a_gate_verifies(
    citizen_client: Client, make_web_pass: MakePass
) -> None:
    gate_pass = make_web_pass()

    body = citizen_client.get(pass_page(gate_pass.code)).content.decode()

    token = body.split('data-token="', 1)[1].split('"', 1)[0]
    claims = tokens.verify(token, keys.published_keys())
    assert claims.code == gate_pass.code and claims.office == "HQ"
    # The drawn modules are exactly the QR code of that token.
    expected = segno.make_qr(token, error="m").svg_inline(scale=1, border=4, omitsize=True)
    assert expected.split(" d=", 1)[1].split('"', 2)[1] in body


def test_the_signed_link_from_the_sms_opens_the_pass_without_signing_in(
    client: Client, make_web_pass: MakePass
) -> None:
    gate_pass = make_web_pass()

    response = client.get(signed(gate_pass))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="pass-qr"' in body and gate_pass.code in body
    assert "no-store" in response["Cache-Control"]
    record = AuditRecord.objects.get(action="passes.pass_viewed")
    assert record.object_id == gate_pass.code and record.data == {"via": "link", "what": "page"}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url: url[:-1] + ("A" if url[-1] != "A" else "B"),
        lambda url: url.replace("?s=", "?s=x"),
        lambda url: url + "extra",
    ],
)
def test_a_tampered_link_is_refused(
    client: Client, make_web_pass: MakePass, tamper: Callable[[str], str]
) -> None:
    gate_pass = make_web_pass()

    response = client.get(tamper(signed(gate_pass)))

    assert response.status_code == 403
    body = response.content.decode()
    assert "This link does not work" in body
    assert 'data-testid="pass-card"' not in body and "Anita Sen" not in body


def test_the_signature_of_one_pass_does_not_open_another(
    client: Client, make_web_pass: MakePass
) -> None:
    first, second = make_web_pass(), make_web_pass()
    signature = signed(first).split("?s=", 1)[1]

    response = client.get(f"{pass_page(second.code)}?s={signature}")

    assert response.status_code == 403


def test_another_citizen_cannot_open_the_pass(client: Client, make_web_pass: MakePass) -> None:
    gate_pass = make_web_pass()
    sign_in_citizen(client, make_citizen(OTHER_MOBILE))

    assert client.get(pass_page(gate_pass.code)).status_code == 404
    assert client.get(f"/passes/p/{gate_pass.code}/qr.png").status_code == 404
    assert client.get(f"/passes/p/{gate_pass.code}/slip.pdf").status_code == 404


def test_without_sign_in_or_link_the_pass_page_asks_to_sign_in(
    client: Client, make_web_pass: MakePass
) -> None:
    gate_pass = make_web_pass()

    response = client.get(pass_page(gate_pass.code))

    assert response.status_code == 302
    assert response["Location"].startswith("/citizen/?next=")


def test_the_qr_downloads_as_png_and_svg(citizen_client: Client, make_web_pass: MakePass) -> None:
    gate_pass = make_web_pass()

    png = citizen_client.get(f"/passes/p/{gate_pass.code}/qr.png")
    svg = citizen_client.get(f"/passes/p/{gate_pass.code}/qr.svg")

    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert f"gate-pass-{gate_pass.code}.png" in png["Content-Disposition"]


def test_the_links_on_a_signed_page_carry_the_signature_and_work(
    client: Client, make_web_pass: MakePass
) -> None:
    gate_pass = make_web_pass()
    body = client.get(signed(gate_pass)).content.decode()

    links = re.findall(r'href="(/passes/p/[^"]+(?:qr|slip)[^"]+)"', body)
    assert len(links) == 4
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response["Content-Type"] in {"image/png", "image/svg+xml", "application/pdf"}
    assert client.get(f"/passes/p/{gate_pass.code}/qr.png?s=bad").status_code == 403


def test_a_pending_pass_shows_no_qr_and_gives_no_qr_or_slip(
    citizen_client: Client, make_web_pass: MakePass, approval_required: PassPolicy
) -> None:
    gate_pass = make_web_pass()

    body = citizen_client.get(pass_page(gate_pass.code)).content.decode()

    assert "Waiting for the host" in body
    assert 'data-testid="pass-qr"' not in body and gate_pass.token not in body
    assert citizen_client.get(f"/passes/p/{gate_pass.code}/qr.png").status_code == 409
    assert citizen_client.get(f"/passes/p/{gate_pass.code}/slip.pdf").status_code == 409


def test_my_passes_lists_the_citizens_passes_newest_first_with_their_state(
    citizen_client: Client,
    citizen: Citizen,
    make_web_pass: MakePass,
    django_assert_max_num_queries: Any,
) -> None:
    older = make_web_pass(name="Anita Sen")
    newer = make_web_pass(name="Anita Sen")
    GatePass.objects.filter(pk=older.pk).update(state=GatePass.State.REVOKED)
    someone_else = make_web_pass(who=make_citizen(OTHER_MOBILE), name="Bikash Pal")
    for _ in range(5):
        make_web_pass()

    with django_assert_max_num_queries(8):
        body = citizen_client.get(MINE).content.decode()

    assert body.count('data-testid="my-pass-row"') == 7
    assert body.index(newer.code) < body.index(older.code)
    assert "Revoked" in body and "Issued" in body
    assert someone_else.code not in body


def test_my_passes_says_when_there_are_none(citizen_client: Client) -> None:
    body = citizen_client.get(MINE).content.decode()

    assert "You have no passes yet." in body


def test_the_citizen_home_links_to_a_new_pass_and_my_passes(citizen_client: Client) -> None:
    body = citizen_client.get("/citizen/home/").content.decode()

    assert 'href="/passes/request/"' in body
    assert 'href="/passes/mine/"' in body
