"""A citizen's pass on the web: the request, the link that opens the pass, and its delivery."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.accounts.models import Citizen
from civicgate.audit.chain import record
from civicgate.core.crypto import blind_index
from civicgate.core.phone import normalize_mobile
from civicgate.notify.outbox import enqueue
from civicgate.org.models import Department, Office, Official
from civicgate.passes.actions import CONSENT_NOTICE_VERSION, get_or_create_visitor, issue_pass
from civicgate.passes.models import GatePass, Visitor

LINK_SALT = "passes.pass-page"
LINK_PARAM = "s"
WEB_PASSES_PER_DAY = 10
DELIVERY_CHANNELS = ("sms", "whatsapp")
MESSAGE_TIME_FORMAT = "%d-%m-%Y %H:%M"


class TooManyRequests(Exception):
    """The citizen has asked for as many passes on the web as a day allows."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PassRequest:
    office: Office
    host_official: Official | None
    host_department: Department | None
    valid_from: datetime
    valid_until: datetime
    purpose: str
    name: str


def link_signature(code: str) -> str:
    """The signature a pass link carries so the visitor can open it from the SMS, unsigned-in."""
    return signing.Signer(salt=LINK_SALT).signature(code)


def link_is_valid(code: str, signature: str) -> bool:
    if not signature:
        return False
    try:
        return signing.Signer(salt=LINK_SALT).unsign(f"{code}:{signature}") == code
    except signing.BadSignature:
        return False


def pass_path(gate_pass: GatePass) -> str:
    """The pass page's path with its signature: what the SMS and WhatsApp messages link to."""
    path = reverse("passes:pass", args=[gate_pass.code])
    return f"{path}?{urlencode({LINK_PARAM: link_signature(gate_pass.code)})}"


def pass_url(gate_pass: GatePass) -> str:
    return settings.SITE_URL.rstrip("/") + pass_path(gate_pass)


def owns_pass(citizen: Citizen | None, gate_pass: GatePass) -> bool:
    return citizen is not None and citizen.mobile_index == gate_pass.visitor.mobile_index


def passes_of(citizen: Citizen) -> Any:
    """The citizen's passes, newest first (the visitor with the citizen's verified mobile)."""
    return (
        GatePass.objects.filter(visitor__mobile_index=citizen.mobile_index)
        .select_related("office", "host_official__employee", "host_department")
        .order_by("-created_at", "-id")
    )


def visitor_for(citizen: Citizen) -> Visitor | None:
    return Visitor.objects.filter(mobile_index=citizen.mobile_index).first()


def queue_pass_delivery(gate_pass: GatePass, *, language: str) -> None:
    """Queue the pass's SMS and WhatsApp messages, inside the caller's transaction."""
    context = {
        "pass_code": gate_pass.code,
        "office": gate_pass.office.name,
        "valid_until": timezone.localtime(gate_pass.valid_until).strftime(MESSAGE_TIME_FORMAT),
        "url": pass_url(gate_pass),
    }
    for channel in DELIVERY_CHANNELS:
        enqueue(channel, gate_pass.visitor.mobile, "pass_issued", context, language=language)


def _check_daily_limit(citizen: Citizen, now: datetime) -> None:
    count = GatePass.objects.filter(
        visitor__mobile_index=citizen.mobile_index,
        channel=GatePass.Channel.WEB,
        created_at__gte=now - timedelta(days=1),
    ).count()
    if count >= WEB_PASSES_PER_DAY:
        raise TooManyRequests(
            _(
                "You have asked for %(count)s passes in the last 24 hours, the most we allow. "
                "Please try again tomorrow, or ask at the gate desk."
            )
            % {"count": count}
        )


def request_pass(
    *, citizen: Citizen, wanted: PassRequest, language: str, request: Any = None
) -> GatePass:
    """Issue a pass to a signed-in citizen: the visitor is the citizen's verified mobile.

    In one transaction: the visitor (created on first visit) with the consent given now, the
    pass (pending where the host's department approves passes), and for an issued pass its SMS
    and WhatsApp messages. Raises TooManyRequests or ValidationError; nothing is kept then.
    """
    mobile = normalize_mobile(citizen.mobile)
    if blind_index(mobile, "mobile") != citizen.mobile_index:
        raise ValidationError(_("Your mobile number could not be confirmed. Sign in again."))
    now = timezone.now()
    with transaction.atomic():
        # One request at a time per citizen, so the daily limit holds under double submits.
        Citizen.objects.select_for_update().filter(pk=citizen.pk).exists()
        _check_daily_limit(citizen, now)
        visitor = get_or_create_visitor(
            mobile=mobile, name=wanted.name, verified=True, language=language, actor=citizen
        )
        visitor.consent_notice_version = CONSENT_NOTICE_VERSION
        visitor.consent_at = now
        visitor.language = language
        visitor.save(
            update_fields=["consent_notice_version", "consent_at", "language", "updated_at"]
        )
        record(
            "passes.visitor_consented",
            actor=citizen,
            obj=visitor,
            request=request,
            data={"notice": CONSENT_NOTICE_VERSION, "channel": GatePass.Channel.WEB},
        )
        start = timezone.localtime(wanted.valid_from)
        end = timezone.localtime(wanted.valid_until)
        kind = GatePass.Kind.SINGLE if start.date() == end.date() else GatePass.Kind.MULTI_DAY
        gate_pass = issue_pass(
            visitor=visitor,
            office=wanted.office,
            purpose=wanted.purpose,
            valid_from=wanted.valid_from,
            valid_until=wanted.valid_until,
            channel=GatePass.Channel.WEB,
            host_official=wanted.host_official,
            host_department=wanted.host_department,
            kind=kind,
            actor=citizen,
            request=request,
        )
        if gate_pass.state == GatePass.State.ISSUED:
            queue_pass_delivery(gate_pass, language=language)
    return gate_pass
