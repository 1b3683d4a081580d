"""Outbound messages (SMS, WhatsApp, e-mail): each is a row first, then sent by a worker."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgate.core.fields import EncryptedTextField
from civicgate.core.models import TimeStamped, public_code_field
from civicgate.core.phone import mask_mobile

# A placeholder is a lower-case name in braces; nothing else (no attribute access, no format
# specs), because administrators edit templates and context values come from code.
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("E-mail")


class MessageTemplate(TimeStamped):
    """The words of one kind of message in one language on one channel.

    Indian SMS must match a template registered on the DLT platform, so SMS templates carry
    its id; WhatsApp messages outside the 24-hour window must use an approved template name.
    """

    key = models.CharField(_("key"), max_length=60)
    language = models.CharField(_("language"), max_length=8)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), help_text=_("Placeholders in braces, e.g. {code}."))
    dlt_template_id = models.CharField(_("DLT template id"), max_length=40, blank=True)
    whatsapp_template = models.CharField(
        _("WhatsApp template name"),
        max_length=100,
        blank=True,
        help_text=_("Name of the template approved by Meta; empty sends the body as plain text."),
    )
    whatsapp_parameters = models.CharField(
        _("WhatsApp template parameters"),
        max_length=200,
        blank=True,
        help_text=_(
            "Placeholder names, comma separated, that fill {{1}}, {{2}}... of the approved "
            "template in order; empty uses the placeholders of the body in order."
        ),
    )
    whatsapp_button_parameter = models.CharField(
        _("WhatsApp button parameter"),
        max_length=60,
        blank=True,
        help_text=_(
            "Placeholder whose value goes to the template's first button (the copy-code button of OTPs)."
        ),
    )

    class Meta:
        ordering = ["key", "channel", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "language", "channel"], name="template_unique_key_language_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} [{self.channel}/{self.language}]"

    def placeholders(self) -> list[str]:
        """Names used in braces in the subject and body, in order of first use."""
        return _unique(PLACEHOLDER.findall(f"{self.subject}\n{self.body}"))

    def whatsapp_parameter_names(self) -> list[str]:
        if self.whatsapp_parameters.strip():
            return [p.strip() for p in self.whatsapp_parameters.split(",") if p.strip()]
        return _unique(PLACEHOLDER.findall(self.body))

    def clean(self) -> None:
        text = f"{self.subject}\n{self.body}"
        stray = PLACEHOLDER.sub("", text)
        if "{" in stray or "}" in stray:
            raise ValidationError(
                {
                    "body": _(
                        "Placeholders are names in braces, such as {code}; remove other braces."
                    )
                }
            )
        known = set(self.placeholders())
        unknown = [p for p in self.whatsapp_parameter_names() if p not in known]
        if self.whatsapp_button_parameter and self.whatsapp_button_parameter not in known:
            unknown.append(self.whatsapp_button_parameter)
        if unknown:
            raise ValidationError(
                _("These WhatsApp parameters are not placeholders of the body: %(names)s")
                % {"names": ", ".join(unknown)}
            )


class OutboundMessage(TimeStamped):
    """One message to one recipient, with its delivery history.

    Workers claim due rows with a conditional UPDATE (state and claim time), so two workers
    never send one message twice; failures are retried with exponential backoff.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")

    code = public_code_field()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = EncryptedTextField()
    template_key = models.CharField(max_length=60, blank=True)
    language = models.CharField(max_length=8, default="en")
    subject = models.CharField(max_length=200, blank=True)
    body = EncryptedTextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=120, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.channel} {self.state}"

    @property
    def masked_recipient(self) -> str:
        return mask_recipient(self.channel, self.recipient)


def mask_email(address: str) -> str:
    """ananya.sen@example.com -> a***@example.com (the length of the name is not shown either)."""
    local, at, domain = (address or "").partition("@")
    if not at:
        return "***" if local else ""
    return f"{local[:1]}***@{domain}"


def mask_recipient(channel: str, recipient: str) -> str:
    if channel == Channel.EMAIL:
        return mask_email(recipient)
    return mask_mobile(recipient)
