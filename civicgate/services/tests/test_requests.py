"""Filing a request, moving it through its states, telling the citizen, rating it."""

import io
from collections.abc import Callable
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from civicgate.accounts.models import Citizen, User
from civicgate.audit.models import AuditRecord
from civicgate.core.crypto import decrypt_bytes
from civicgate.notify.models import OutboundMessage
from civicgate.org.models import Department, Employee
from civicgate.services import actions
from civicgate.services.models import RequestEvent, RequestPhoto, Service, ServiceRequest
from civicgate.services.selectors import assigned_to, track
from civicgate.services.tests.conftest import OTHER_MOBILE, jpeg, make_citizen

State = ServiceRequest.State


def test_the_catalogue_ships_with_kmc_services_in_three_languages(water: Department) -> None:
    # Given the catalogue written by the data migration
    slugs = set(Service.objects.values_list("slug", flat=True))
    # Then the services the issue names are there, each named in English, Bengali and Hindi
    for slug in (
        "ac-tax-dues",
        "ac-mutation",
        "ws-no-water",
        "ws-low-pressure",
        "ws-leakage",
        "ws-dirty-water",
        "ws-new-connection",
        "ws-tanker",
        "bld-plan-status",
        "bld-completion-certificate",
        "adv-permission",
        "adv-renewal",
        "swm-garbage",
        "lgt-street-light",
        "rd-road-damage",
        "ds-drainage",
        "hlt-mosquito",
    ):
        assert slug in slugs
    for service in Service.objects.all():
        assert service.name_en and service.name_bn and service.name_hi
    # And a department created later takes over the services of its code
    assert Service.objects.get(slug="ws-no-water").department == water
    assert Service.objects.get(slug="rd-road-damage").department is None


def test_a_citizen_files_a_complaint_and_gets_a_tracking_number_in_their_language(
    file_request: Callable[..., ServiceRequest], citizen: Citizen
) -> None:
    # Given a Bengali-speaking citizen
    with time_machine.travel("2026-11-05 10:00 +05:30", tick=False):
        # When they file a water complaint
        sr = file_request(language="bn")
    # Then the number reads as department, year-month and serial
    assert sr.number == "WS-2611-00001"
    assert sr.state == State.SUBMITTED
    assert sr.due_at == sr.created_at + timedelta(hours=24)
    assert sr.office.code == "HQ"
    # And the message queued is in Bengali with the number
    message = OutboundMessage.objects.get(template_key="service_request_received")
    assert message.language == "bn"
    assert "WS-2611-00001" in message.body and "ট্র্যাকিং" in message.body
    assert message.recipient == citizen.mobile
    assert AuditRecord.objects.filter(
        action="services.request_submitted", object_id=sr.code
    ).exists()


def test_tracking_numbers_count_up_per_department_and_restart_each_month(
    file_request: Callable[..., ServiceRequest],
) -> None:
    with time_machine.travel("2026-11-30 23:00 +05:30", tick=False):
        first, second = file_request(), file_request()
    with time_machine.travel("2026-12-01 00:30 +05:30", tick=False):
        third = file_request()
    assert [first.number, second.number, third.number] == [
        "WS-2611-00001",
        "WS-2611-00002",
        "WS-2612-00001",
    ]
    # And anyone can track it by a number typed loosely
    found = track(" ws 2611 2 ")
    assert found is not None and found.number == "WS-2611-00002"


def test_a_photo_is_re_encoded_without_its_exif_and_stored_encrypted(
    file_request: Callable[..., ServiceRequest],
) -> None:
    # Given a photo with a camera make and a GPS position in its EXIF
    original = jpeg(size=(4000, 3000), exif=True)
    assert b"SpyCam" in original
    # When it is attached to a complaint
    sr = file_request(photos=[original])
    photo = RequestPhoto.objects.get(request=sr)
    # Then the stored bytes are encrypted, and decrypt to a smaller JPEG with no EXIF
    assert not bytes(photo.data).startswith(b"\xff\xd8")
    clean = decrypt_bytes(bytes(photo.data))
    assert b"SpyCam" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 1600
        assert not image.getexif()


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4 not a photo", b"GIF89a" + b"\x00" * 100, b""],
    ids=["pdf", "gif", "empty"],
)
def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_kept(
    file_request: Callable[..., ServiceRequest], data: bytes
) -> None:
    with pytest.raises(actions.RequestRefused) as refused:
        file_request(photos=[data])
    assert refused.value.code == "invalid_photo"
    assert not ServiceRequest.objects.exists()
    assert not OutboundMessage.objects.filter(template_key="service_request_received").exists()


def test_a_complaint_without_the_location_it_needs_is_refused(
    file_request: Callable[..., ServiceRequest],
) -> None:
    with pytest.raises(actions.RequestRefused) as refused:
        file_request(latitude=None, longitude=None)
    assert refused.value.code == "missing_location"
    with pytest.raises(actions.RequestRefused) as refused:
        file_request(ward=145)
    assert refused.value.code == "invalid_ward"
    assert not ServiceRequest.objects.exists()


def test_the_chatbot_files_with_a_verified_mobile_number(hq: object, water: Department) -> None:
    # Given only a verified WhatsApp number
    sr = actions.submit_request(
        citizen="98300 54321",
        service="ws-leakage",
        description="Pipe burst near the tram depot",
        ward=64,
        latitude=22.54,
        longitude=88.37,
        channel=ServiceRequest.Channel.WHATSAPP,
        language="hi",
    )
    # Then a citizen exists for the number, and the message goes by WhatsApp in Hindi
    assert Citizen.objects.filter(mobile_index=sr.mobile_index).count() == 1
    message = OutboundMessage.objects.get(template_key="service_request_received")
    assert (message.channel, message.language) == ("whatsapp", "hi")
    assert sr.mobile == OTHER_MOBILE


def test_staff_assign_start_and_resolve_and_the_citizen_hears_each_public_step(
    file_request: Callable[..., ServiceRequest], water_staff: User, fitter: Employee
) -> None:
    sr = file_request()
    # When staff assign it for tomorrow's visit, start, add notes and resolve with an after-photo
    tomorrow = timezone.localdate() + timedelta(days=1)
    sr = actions.assign_request(
        sr, fitter, actor=water_staff, visit_on=tomorrow, note="Team on the way"
    )
    sr = actions.start_work(sr, actor=water_staff)
    actions.add_note(sr, "Valve at the junction is jammed", actor=water_staff, public=False)
    actions.add_note(sr, "We are replacing a valve", actor=water_staff, public=True)
    sr = actions.resolve_request(
        sr, actor=water_staff, note="Valve replaced", after_photo=jpeg((0, 200, 0))
    )
    # Then the request is resolved with its history, and the after-photo kept
    assert sr.state == State.RESOLVED
    kinds = list(sr.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "assigned", "started", "note", "note", "resolved"]
    assert sr.photos.filter(kind=RequestPhoto.Kind.AFTER).count() == 1
    # And the citizen got a message for each public step, not for the internal note
    keys = list(OutboundMessage.objects.order_by("id").values_list("template_key", flat=True))
    assert keys == [
        "service_request_received",
        "service_request_update",
        "service_request_update",
        "service_request_update",
        "service_request_resolved",
    ]
    assert "jammed" not in " ".join(OutboundMessage.objects.values_list("body", flat=True))
    # And the diary can list the visit on its day
    assert list(assigned_to(fitter, tomorrow)) == [sr]
    assert list(assigned_to(fitter, date(2020, 1, 1))) == []
    actions_audited = set(AuditRecord.objects.values_list("action", flat=True))
    assert {
        "services.request_assigned",
        "services.request_resolved",
        "services.request_noted",
    } <= actions_audited


def test_a_request_cannot_go_to_an_employee_of_another_department(
    file_request: Callable[..., ServiceRequest],
    water_staff: User,
    make_employee: Callable[..., Employee],
) -> None:
    roads = Department.objects.create(code="RD", name="Roads")
    outsider = make_employee(department=roads)
    sr = file_request()
    with pytest.raises(actions.RequestRefused) as refused:
        actions.assign_request(sr, outsider, actor=water_staff)
    assert refused.value.code == "wrong_employee"
    sr.refresh_from_db()
    assert sr.state == State.SUBMITTED


def test_an_unassigned_request_cannot_be_resolved(
    file_request: Callable[..., ServiceRequest], water_staff: User
) -> None:
    sr = file_request()
    with pytest.raises(actions.RequestRefused) as refused:
        actions.resolve_request(sr, actor=water_staff, note="done")
    assert refused.value.code == "wrong_state"
    sr.refresh_from_db()
    assert sr.state == State.SUBMITTED and sr.resolved_at is None


def _resolved(
    file_request: Callable[..., ServiceRequest], staff: User, worker: Employee
) -> ServiceRequest:
    sr = file_request()
    sr = actions.assign_request(sr, worker, actor=staff)
    return actions.resolve_request(sr, actor=staff, note="Fixed")


def test_a_rating_of_two_reopens_the_request_with_a_new_deadline(
    file_request: Callable[..., ServiceRequest],
    water_staff: User,
    fitter: Employee,
    citizen: Citizen,
) -> None:
    sr = _resolved(file_request, water_staff, fitter)
    with time_machine.travel(timezone.now() + timedelta(hours=30), tick=False):
        sr = actions.rate_request(sr.number, 2, citizen=citizen, comment="Still no water")
        assert sr.state == State.REOPENED
        assert sr.rating == 2 and sr.reopened_count == 1
        assert sr.due_at == timezone.now() + timedelta(hours=24)
        assert sr.assigned_to == fitter
    last = OutboundMessage.objects.order_by("-id").first()
    assert last is not None and last.template_key == "service_request_update"
    # And the reopened request can be resolved again and rated again
    sr = actions.resolve_request(sr, actor=water_staff, note="Fixed properly")
    sr = actions.rate_request(sr, 4, citizen=citizen)
    assert sr.state == State.CLOSED


def test_a_good_rating_closes_and_a_second_rating_is_refused(
    file_request: Callable[..., ServiceRequest],
    water_staff: User,
    fitter: Employee,
    citizen: Citizen,
) -> None:
    sr = _resolved(file_request, water_staff, fitter)
    sr = actions.rate_request(sr, 5, citizen=citizen)
    assert sr.state == State.CLOSED and sr.closed_at is not None
    with pytest.raises(actions.RequestRefused) as refused:
        actions.rate_request(sr, 1, citizen=citizen)
    assert refused.value.code == "wrong_state"


def test_only_the_citizen_who_filed_may_rate(
    file_request: Callable[..., ServiceRequest], water_staff: User, fitter: Employee
) -> None:
    sr = _resolved(file_request, water_staff, fitter)
    stranger = make_citizen(OTHER_MOBILE)
    with pytest.raises(actions.RequestRefused) as refused:
        actions.rate_request(sr, 1, citizen=stranger)
    assert refused.value.code == "not_yours"
    with pytest.raises(actions.RequestRefused):
        actions.rate_request(sr, 9, citizen=sr.citizen)
    sr.refresh_from_db()
    assert sr.state == State.RESOLVED and sr.rating is None
    assert not RequestEvent.objects.filter(request=sr, kind=RequestEvent.Kind.RATED).exists()
