"""Demo appointments for make run, and the message templates every language needs."""

import pytest
from django.core.management import call_command

from civicgate.appointments import notices
from civicgate.appointments.models import Appointment, Availability
from civicgate.appointments.tests.conftest import NOW
from civicgate.notify.models import MessageTemplate

pytestmark = pytest.mark.django_db
CITIZEN_KEYS = [
    notices.CONFIRMED,
    notices.REMINDER,
    notices.REQUESTED,
    notices.RESCHEDULED,
    notices.CANCELLED,
    notices.DECLINED,
]
OFFICIAL_KEYS = [notices.OFFICIAL_NEW, notices.OFFICIAL_CHANGED, notices.OFFICIAL_CANCELLED]


def test_demo_appointments_give_demo_official_requests_and_bookings_once(
    capsys: pytest.CaptureFixture[str], time_machine: object
) -> None:
    time_machine.move_to(NOW, tick=False)  # type: ignore[attr-defined]
    call_command("seed_demo")
    call_command("seed_demo_passes")
    call_command("seed_demo_appointments")
    mine = Appointment.objects.filter(official__employee__user__username="demo_official")
    states = sorted(mine.values_list("state", flat=True))
    assert states == ["confirmed", "confirmed", "requested", "requested"]
    assert all(a.gate_pass.state == "issued" for a in mine.filter(state="confirmed"))
    assert Availability.objects.count() == 20

    call_command("seed_demo_appointments")

    assert Appointment.objects.count() == 4
    assert "already there" in capsys.readouterr().out


@pytest.mark.parametrize("language", ["en", "bn", "hi"])
def test_every_message_ships_in_every_language(language: str) -> None:
    for key in CITIZEN_KEYS:
        for channel in ("sms", "whatsapp"):
            assert MessageTemplate.objects.filter(
                key=key, channel=channel, language=language
            ).exists(), (key, channel)
    for key in OFFICIAL_KEYS:
        assert MessageTemplate.objects.filter(key=key, channel="sms", language=language).exists()


def test_a_deleted_template_comes_back_after_migrate() -> None:
    MessageTemplate.objects.filter(key=notices.RESCHEDULED, language="bn").delete()
    call_command("migrate", verbosity=0)
    assert MessageTemplate.objects.filter(key=notices.RESCHEDULED, language="bn").count() == 2
