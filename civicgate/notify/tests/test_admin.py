"""Django admin: templates are edited there; messages can only be looked at, masked."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from civicgate.notify.models import MessageTemplate, OutboundMessage

pytestmark = pytest.mark.django_db


def test_an_administrator_edits_the_dlt_template_id_of_an_sms(admin_client: Any) -> None:
    # Given the shipped Bengali OTP SMS with its placeholder DLT id
    tmpl = MessageTemplate.objects.get(key="otp_code", channel="sms", language="bn")
    url = reverse("admin:notify_messagetemplate_change", args=[tmpl.pk])
    form = {
        "key": tmpl.key,
        "channel": tmpl.channel,
        "language": tmpl.language,
        "subject": "",
        "body": tmpl.body,
        "dlt_template_id": "1107168000000012345",
        "whatsapp_template": "",
        "whatsapp_parameters": "",
        "whatsapp_button_parameter": "",
    }

    # When the registered id is entered
    response = admin_client.post(url, form)

    # Then it is saved
    assert response.status_code == 302
    tmpl.refresh_from_db()
    assert tmpl.dlt_template_id == "1107168000000012345"


def test_a_template_body_with_odd_braces_is_refused_with_a_reason(admin_client: Any) -> None:
    tmpl = MessageTemplate.objects.get(key="otp_code", channel="sms", language="en")
    url = reverse("admin:notify_messagetemplate_change", args=[tmpl.pk])
    form = {
        "key": tmpl.key,
        "channel": tmpl.channel,
        "language": tmpl.language,
        "subject": "",
        "body": "Your code is {code.__class__}",
        "dlt_template_id": "",
        "whatsapp_template": "",
        "whatsapp_parameters": "",
        "whatsapp_button_parameter": "",
    }

    response = admin_client.post(url, form)

    assert response.status_code == 200
    assert "Placeholders are names in braces" in response.content.decode()
    tmpl.refresh_from_db()
    assert "__class__" not in tmpl.body


def test_the_message_admin_shows_no_full_number_and_no_text(admin_client: Any) -> None:
    message = OutboundMessage.objects.create(
        channel="sms",
        recipient="+919830012345",
        template_key="otp_code",
        body="482913 is your CivicGate verification code.",
        next_attempt_at=timezone.now(),
    )

    listing = admin_client.get(reverse("admin:notify_outboundmessage_changelist")).content.decode()
    detail = admin_client.get(
        reverse("admin:notify_outboundmessage_change", args=[message.pk])
    ).content.decode()

    for page in (listing, detail):
        assert "+91 ******2345" in page
        assert "9830012345" not in page
        assert "482913" not in page
    assert admin_client.get(reverse("admin:notify_outboundmessage_add")).status_code == 403
