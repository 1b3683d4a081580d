"""Conversations and their messages, on every channel (web chat, WhatsApp, terminal)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgate.core.fields import EncryptedTextField
from civicgate.core.models import TimeStamped, public_code_field
from civicgate.core.phone import mask_mobile


def new_web_token() -> str:
    return secrets.token_urlsafe(18)


class Channel(models.TextChoices):
    WEB = "web", _("Web chat")
    WHATSAPP = "whatsapp", _("WhatsApp")
    CLI = "cli", _("Terminal")


class Conversation(TimeStamped):
    """One citizen's thread with the bot (and with helpdesk staff after a hand-over).

    state holds the dialogue: the active flow, its step, the slots filled so far and the
    choices last offered (so that "2" means the second of them). Workers take the
    conversation's lock (locked_until, lock_token) with a conditional UPDATE before answering,
    so messages of one conversation are answered one at a time, in the order they came.
    """

    code = public_code_field()
    # The id a web widget holds: long and random, since it is the only proof of the thread.
    web_token = models.CharField(max_length=32, unique=True, default=new_web_token, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # The sender's address on the channel (a WhatsApp wa_id), as a blind index: one thread each
    # (chat_conversation_one_per_contact is also the index it is found by).
    contact_index = models.CharField(max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    language_chosen = models.BooleanField(default=False)
    state = models.JSONField(default=dict, blank=True)
    mobile = EncryptedTextField(_("verified mobile"), blank=True)
    mobile_index = models.CharField(max_length=64, blank=True)
    citizen = models.ForeignKey(
        "accounts.Citizen",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        db_index=False,
    )
    handed_over = models.BooleanField(_("with a person"), default=False)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handover_reason = models.CharField(max_length=300, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_conversations",
        db_index=False,
    )
    last_activity_at = models.DateTimeField(db_index=True)
    # WhatsApp's 24-hour customer-service window opens with each message from the citizen.
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    idle_prompted = models.BooleanField(default=False)
    locked_until = models.DateTimeField(null=True, blank=True)
    lock_token = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "contact_index"],
                condition=~Q(contact_index=""),
                name="chat_conversation_one_per_contact",
            ),
            models.CheckConstraint(
                condition=Q(language__in=["en", "bn", "hi"]), name="chat_conversation_language"
            ),
        ]
        # Every index is written again whenever a message changes the conversation's state, so
        # the ones for rare values cover only the rows that have them.
        indexes = [
            models.Index(
                fields=["handed_over_at", "id"],
                condition=Q(handed_over=True),
                name="chat_conversation_handed_over",
            ),
            models.Index(
                fields=["mobile_index"],
                condition=~Q(mobile_index=""),
                name="chat_conversation_mobile",
            ),
            models.Index(
                fields=["citizen"],
                condition=Q(citizen__isnull=False),
                name="chat_conversation_citizen",
            ),
            models.Index(
                fields=["assigned_to"],
                condition=Q(assigned_to__isnull=False),
                name="chat_conversation_assigned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.channel})"

    @property
    def verified(self) -> bool:
        return bool(self.mobile)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


class Message(models.Model):
    """One message in a conversation: from the citizen (in) or to the citizen (out).

    Incoming messages are stored first and answered by a worker (state queued -> processing ->
    done); provider_message_id (WhatsApp's wamid) is unique, so a retried webhook is stored
    once and answered once.
    """

    class Direction(models.TextChoices):
        IN = "in", _("From the citizen")
        OUT = "out", _("To the citizen")

    class Sender(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        BOT = "bot", _("Bot")
        STAFF = "staff", _("Staff")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        PROCESSING = "processing", _("Being answered")
        DONE = "done", _("Answered")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Choice")
        LOCATION = "location", _("Location")
        IMAGE = "image", _("Image")
        OTHER = "other", _("Other")

    code = public_code_field()
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    sender = models.CharField(max_length=10, choices=Sender.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    text = EncryptedTextField(blank=True)
    choice = models.CharField(max_length=200, blank=True)
    # Out: choices and image_url shown; in: location or image details.
    payload = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="en")
    intent = models.CharField(max_length=40, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.DONE)
    attempts = models.PositiveSmallIntegerField(default=0)
    in_reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        constraints = [
            models.UniqueConstraint(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="chat_message_unique_provider_id",
            ),
        ]
        # Every index is written for every message, so the ones for rare values cover only the
        # rows that have them. Waiting messages are few at any moment: their index stays
        # small however long the table grows, and a message stored answered is not in it.
        indexes = [
            models.Index(
                fields=["conversation"],
                condition=Q(direction="in", state__in=["queued", "processing"]),
                name="chat_msg_waiting_idx",
            ),
            models.Index(
                fields=["in_reply_to"],
                condition=Q(in_reply_to__isnull=False),
                name="chat_msg_in_reply_to_idx",
            ),
            models.Index(
                fields=["staff"], condition=Q(staff__isnull=False), name="chat_msg_staff_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.direction} {self.state}"
