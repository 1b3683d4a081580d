"""seed_demo_services: demo records and requests on top of seed_demo, idempotent."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicgate.accounts.models import User
from civicgate.services.models import Assessment, ServiceRequest
from civicgate.services.selectors import escalations_for


def test_it_refuses_to_run_before_seed_demo(db: object) -> None:
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_services")


def test_it_seeds_once_and_the_water_head_sees_an_escalation(db: object) -> None:
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo_services", stdout=out)
    assert "service requests: 7" in out.getvalue()
    states = set(ServiceRequest.objects.values_list("state", flat=True))
    assert {"submitted", "assigned", "in_progress", "resolved", "closed"} <= states
    assert Assessment.objects.count() == 4
    head = User.objects.get(username="demo_official")
    assert len(escalations_for(head)) == 1
    again = StringIO()
    call_command("seed_demo_services", stdout=again)
    assert "nothing changed" in again.getvalue()
    assert ServiceRequest.objects.count() == 7
