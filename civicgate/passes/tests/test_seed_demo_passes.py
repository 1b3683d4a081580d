"""The demo passes give every passes screen something to show, once."""

import pytest
from django.core.management import call_command

from civicgate.passes.models import GatePass, ToutFlag, WatchlistEntry

pytestmark = pytest.mark.django_db


def test_demo_passes_fill_the_screens_and_a_second_run_changes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("seed_demo")
    call_command("seed_demo_passes")
    counts = (
        GatePass.objects.count(),
        GatePass.objects.filter(state=GatePass.State.INSIDE).count(),
        GatePass.objects.filter(
            state=GatePass.State.PENDING, host_official__employee__user__username="demo_official"
        ).count(),
        WatchlistEntry.objects.count(),
        ToutFlag.objects.filter(visitor__name="Bablu Sardar").count(),
    )

    call_command("seed_demo_passes")

    assert counts[1:] == (4, 1, 1, 1)
    assert counts[0] == 13
    assert GatePass.objects.count() == counts[0]
    assert "nothing changed" in capsys.readouterr().out
