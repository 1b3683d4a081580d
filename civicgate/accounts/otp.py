"""One-time codes that prove a citizen holds a mobile number.

A code is six random digits, sent by SMS (or WhatsApp) and stored only as a keyed hash. It is
valid for CITIZEN_OTP_TTL_SECONDS, allows CITIZEN_OTP_MAX_ATTEMPTS tries and is replaced by the
next code asked for the same number. Asking is limited per number (a cooldown between codes and
a daily cap) and per client address (a daily cap), so the service cannot be used to flood a
number with messages or to send SMS at KMC's expense.
"""

import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicgate.accounts.models import Citizen, OtpChallenge
from civicgate.audit.chain import record
from civicgate.core.crypto import blind_index
from civicgate.core.phone import mask_mobile, normalize_mobile
from civicgate.notify.outbox import enqueue

# Advisory lock namespaces (PostgreSQL): one per kind of key, so a number and an address
# never share a lock by accident.
_LOCK_MOBILE = 0x4F54_5001
_LOCK_ADDRESS = 0x4F54_5002


class OtpError(Exception):
    """Why a code was not sent or not accepted. code is stable for programs, message for people.

    code: invalid_mobile, cooldown (wait_seconds), daily_limit, expired, wrong_code
    (tries_left), too_many_attempts.
    """

    def __init__(self, code: str, message: str, *, wait_seconds: int = 0, tries_left: int = 0):
        super().__init__(message)
        self.code = code
        self.message = message
        self.wait_seconds = wait_seconds
        self.tries_left = tries_left


def _normalise(mobile: str) -> str:
    try:
        return normalize_mobile(mobile)
    except ValidationError as exc:
        raise OtpError("invalid_mobile", exc.messages[0]) from None


def mobile_index(mobile: str) -> str:
    return blind_index(mobile, "mobile")


def _code_hash(challenge_code: str, code: str) -> str:
    key = hashlib.sha256(f"{settings.SECRET_KEY}:otp-code".encode()).digest()
    return hmac.new(key, f"{challenge_code}:{code}".encode(), hashlib.sha256).hexdigest()


def _check_purpose(purpose: str) -> None:
    if purpose not in OtpChallenge.Purpose.values:
        raise ValueError(f"Unknown one-time code purpose {purpose!r}.")


def _lock(index: str, client_address: str | None) -> None:
    """Serialise code requests for one number and one address (PostgreSQL; SQLite writers
    already queue at BEGIN)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_MOBILE, index])
        if client_address:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_ADDRESS, client_address]
            )


def _start_of_today(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _wait_seconds(index: str, now: datetime) -> int:
    """Seconds left of the cooldown after the latest code not yet used. A code that has been
    used (the citizen signed in with it) holds nothing back: only its owner could have used it,
    so a new code for another sign-in is sent at once, within the daily caps."""
    last = (
        OtpChallenge.objects.filter(mobile_index=index, verified_at__isnull=True)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return 0
    left = (
        last + timedelta(seconds=settings.CITIZEN_OTP_RESEND_COOLDOWN_SECONDS) - now
    ).total_seconds()
    return max(0, math.ceil(left))


def resend_wait_seconds(mobile: str) -> int:
    """Seconds before another code may be sent to mobile (0: now)."""
    return _wait_seconds(mobile_index(_normalise(mobile)), timezone.now())


def _refuse_if_limited(index: str, client_address: str | None, now: datetime) -> None:
    wait = _wait_seconds(index, now)
    if wait:
        raise OtpError(
            "cooldown",
            ngettext(
                "A code was sent a moment ago. You can ask for a new one in %(seconds)d second.",
                "A code was sent a moment ago. You can ask for a new one in %(seconds)d seconds.",
                wait,
            )
            % {"seconds": wait},
            wait_seconds=wait,
        )
    today = _start_of_today(now)
    sent_to_number = OtpChallenge.objects.filter(mobile_index=index, created_at__gte=today).count()
    sent_to_address = (
        OtpChallenge.objects.filter(client_address=client_address, created_at__gte=today).count()
        if client_address
        else 0
    )
    if (
        sent_to_number >= settings.CITIZEN_OTP_DAILY_CAP_PER_MOBILE
        or sent_to_address >= settings.CITIZEN_OTP_DAILY_CAP_PER_ADDRESS
    ):
        raise OtpError(
            "daily_limit", _("Too many codes have been asked for today. Please try again tomorrow.")
        )


def request_code(
    mobile: str, *, purpose: str, client_address: str | None, language: str, channel: str = "sms"
) -> OtpChallenge:
    """Send a new one-time code to mobile, replacing any code sent before it.

    Raises OtpError (invalid_mobile, cooldown, daily_limit). The message is queued in the
    outbox inside this transaction, so a refused or failed request sends nothing.
    """
    _check_purpose(purpose)
    number = _normalise(mobile)
    index = mobile_index(number)
    ttl = settings.CITIZEN_OTP_TTL_SECONDS
    with transaction.atomic():
        _lock(index, client_address)
        now = timezone.now()
        _refuse_if_limited(index, client_address, now)
        OtpChallenge.objects.filter(
            mobile_index=index, purpose=purpose, verified_at__isnull=True, superseded=False
        ).update(superseded=True)
        code = f"{secrets.randbelow(10**6):06d}"
        challenge = OtpChallenge(
            mobile_index=index,
            purpose=purpose,
            client_address=client_address,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        challenge.code_hash = _code_hash(challenge.code, code)
        challenge.save()
        enqueue(
            channel, number, "otp_code", {"code": code, "minutes": ttl // 60}, language=language
        )
        record(
            "citizen.otp_requested",
            actor="anonymous",
            obj=challenge,
            ip_address=client_address,
            data={
                "mobile": mask_mobile(number),
                "purpose": purpose,
                "channel": channel,
                "language": language,
            },
        )
    return challenge


def _expired() -> OtpError:
    return OtpError(
        "expired", _("This code has expired or was replaced by a newer one. Ask for a new code.")
    )


def _locked() -> OtpError:
    return OtpError("too_many_attempts", _("Too many wrong codes. Ask for a new code."))


def _try_code(
    challenge: OtpChallenge | None, code: str, now: datetime
) -> tuple[OtpError | None, bool]:
    """Count one try against challenge and compare.

    Returns (None, True) when the code is right (and now used up), else the error and whether
    this try was counted (a wrong code, or the one that used up the last try).
    """
    if (
        challenge is None
        or challenge.superseded
        or challenge.verified_at
        or now >= challenge.expires_at
    ):
        return _expired(), False
    live = OtpChallenge.objects.filter(pk=challenge.pk, verified_at__isnull=True, superseded=False)
    # One UPDATE both counts the try and enforces the limit: two tries at once cannot both
    # read "4 attempts" and both get a fifth.
    if not live.filter(attempts__lt=settings.CITIZEN_OTP_MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1
    ):
        return (_locked() if live.exists() else _expired()), False
    if hmac.compare_digest(_code_hash(challenge.code, code), challenge.code_hash):
        return (None, True) if live.update(verified_at=now) else (_expired(), False)
    attempts = OtpChallenge.objects.filter(pk=challenge.pk).values_list("attempts", flat=True).get()
    left = settings.CITIZEN_OTP_MAX_ATTEMPTS - attempts
    if left <= 0:
        return _locked(), True
    message = ngettext(
        "That code is not right. You have %(left)d more try.",
        "That code is not right. You have %(left)d more tries.",
        left,
    ) % {"left": left}
    return OtpError("wrong_code", message, tries_left=left), True


def _verified(
    index: str,
    number: str,
    *,
    purpose: str,
    client_address: str | None,
    language: str | None,
    now: datetime,
) -> Citizen:
    citizen, created = Citizen.objects.get_or_create(
        mobile_index=index,
        defaults={"mobile": number, "language": language or "en", "verified_at": now},
    )
    if not created:
        Citizen.objects.filter(pk=citizen.pk).update(verified_at=now, updated_at=now)
        citizen.verified_at = now
    record(
        "citizen.otp_verified",
        actor=citizen,
        obj=citizen,
        ip_address=client_address,
        data={"mobile": mask_mobile(number), "purpose": purpose, "new_citizen": created},
    )
    return citizen


def verify_code(
    mobile: str, code: str, *, purpose: str, client_address: str | None, language: str | None = None
) -> Citizen:
    """Check code against the latest code sent to mobile; on success return the citizen
    (created at the first verification) with the number marked verified.

    Raises OtpError (invalid_mobile, expired, wrong_code, too_many_attempts). A wrong try is
    counted and audited even though the error is raised.
    """
    _check_purpose(purpose)
    number = _normalise(mobile)
    index = mobile_index(number)
    entered = "".join((code or "").split())
    with transaction.atomic():
        now = timezone.now()
        challenge = (
            OtpChallenge.objects.filter(mobile_index=index, purpose=purpose)
            .order_by("-created_at", "-id")
            .first()
        )
        error, counted = _try_code(challenge, entered, now)
        if error is None:
            return _verified(
                index,
                number,
                purpose=purpose,
                client_address=client_address,
                language=language,
                now=now,
            )
        if counted:
            record(
                "citizen.otp_failed",
                actor="anonymous",
                obj=challenge,
                ip_address=client_address,
                data={"mobile": mask_mobile(number), "purpose": purpose, "reason": error.code},
            )
    raise error
