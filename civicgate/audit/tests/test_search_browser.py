"""A security administrator searches the audit trail in a real browser and opens one record."""

from typing import Any

import pytest

from civicgate.accounts.roles import Role
from civicgate.audit.chain import record, verify_chain
from civicgate.audit.models import AuditRecord
from civicgate.conftest import sign_in_as_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_filters_the_trail_and_opens_a_record(
    live_server: Any, page: Any, hq: Any, borough: Any, make_user: Any
) -> None:
    make_user("hq_security", Role.SECURITY_ADMIN, offices=[hq])
    record("org.gate_added", actor="hr import", office=hq, data={"gate": "Gate 5"})
    record("org.gate_added", actor="hr import", office=borough, data={"gate": "Side Gate"})
    record("devices.registered", actor="hr import", office=hq, data={"name": "Gate 5 scanner"})
    sign_in_as_admin(page, live_server.url, "hq_security")

    page.goto(f"{live_server.url}/")
    page.click("nav >> text=Audit trail")
    page.fill("#id_action", "org.")
    page.click("[data-testid=audit-filters] button[type=submit]")
    page.wait_for_url("**/audit/?action=org.*")
    rows = page.locator("[data-testid=audit-results] tbody tr")
    assert rows.count() == 1
    assert "HQ" in rows.first.inner_text()

    rows.first.locator("a").click()
    assert '"gate": "Gate 5"' in page.inner_text("[data-testid=audit-data]")
    assert AuditRecord.objects.filter(
        action="audit.record_viewed", actor_label="hq_security"
    ).exists()
    assert verify_chain()[1] == []
