"""Proving the mobile number inside a flow, before anything personal is shown or done.

On WhatsApp the sender's number is the proof (the conversation starts verified). On the web
the citizen types the number, gets a one-time code by SMS (accounts.otp) and types it back.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civicgate.accounts.models import OtpChallenge
from civicgate.accounts.otp import OtpError, request_code, verify_code
from civicgate.chatbot.flows.base import Choice, Context, Incoming, Invalid, Reply, Step
from civicgate.chatbot.language import ascii_digits
from civicgate.core.crypto import blind_index
from civicgate.core.phone import mask_mobile, normalize_mobile

PURPOSE = OtpChallenge.Purpose.LOGIN
RESEND = "otp:resend"


class MobileStep(Step):
    name = "_mobile"

    def skip(self, ctx: Context) -> bool:
        return ctx.conversation.verified

    def ask(self, ctx: Context) -> Reply:
        return Reply(
            _(
                "First, your mobile number: I will send a one-time code to it by SMS. "
                "Type the 10-digit number."
            )
        )

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        try:
            mobile = normalize_mobile(ascii_digits(incoming.text))
        except ValidationError as exc:
            raise Invalid(exc.messages[0]) from None
        try:
            request_code(
                mobile,
                purpose=PURPOSE,
                client_address=ctx.client_address,
                language=ctx.language,
                channel="sms",
            )
        except OtpError as exc:
            raise Invalid(exc.message) from None
        return mobile


class OtpStep(Step):
    name = "_otp"

    def skip(self, ctx: Context) -> bool:
        return ctx.conversation.verified

    def ask(self, ctx: Context) -> Reply:
        return Reply(
            _("I have sent a 6-digit code to %(mobile)s. Type it here.")
            % {"mobile": mask_mobile(ctx.slots.get("_mobile", ""))},
            [Choice(RESEND, _("Send a new code"))],
        )

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        mobile = ctx.slots.get("_mobile", "")
        if incoming.choice == RESEND:
            try:
                request_code(
                    mobile,
                    purpose=PURPOSE,
                    client_address=ctx.client_address,
                    language=ctx.language,
                    channel="sms",
                )
            except OtpError as exc:
                raise Invalid(exc.message) from None
            raise Invalid(_("A new code is on its way."))
        code = "".join(ascii_digits(incoming.text).split())
        if not (code.isdigit() and len(code) == 6):
            raise Invalid(_("The code has 6 digits. Please type it as it came."))
        try:
            citizen = verify_code(
                mobile,
                code,
                purpose=PURPOSE,
                client_address=ctx.client_address,
                language=ctx.language,
            )
        except OtpError as exc:
            raise Invalid(exc.message) from None
        conversation = ctx.conversation
        conversation.mobile = mobile
        conversation.mobile_index = blind_index(mobile, "mobile")
        conversation.citizen = citizen
        return "verified"


def verification_steps() -> list[Step]:
    return [MobileStep(), OtpStep()]
