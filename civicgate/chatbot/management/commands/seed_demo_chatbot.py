"""Demo chat data on top of seed_demo: a helpdesk login and conversations that the bot handed
to a person, so the chat inbox and the analytics have something to show. Idempotent."""

from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.chatbot import actions, processing
from civicgate.chatbot.models import Conversation
from civicgate.org.demo import DEMO_PASSWORD

DEMO_REASON = "Demo: my water bill shows a wrong amount"
SCRIPTS = [
    ("en", ["hi", "1", "I want to talk to a person", DEMO_REASON]),
    ("bn", ["নমস্কার", "জল আসছে না", "মেনু", "মানুষের সঙ্গে কথা বলতে চাই", "জলের বিল ভুল এসেছে"]),
    ("hi", ["नमस्ते", "paani nahi aa raha", "menu", "property tax kitna baki hai"]),
]


class Command(BaseCommand):
    help = "Add a helpdesk login and demo chat conversations (run after seed_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        user, created = User.objects.get_or_create(
            username="demo_helpdesk",
            defaults={"first_name": "Demo", "last_name": "Helpdesk", "all_offices": True},
        )
        if created:
            user.password = make_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.set([Group.objects.get(name=Role.HELPDESK)])
        if Conversation.objects.filter(state__has_key="demo").exists():
            self.stdout.write("Demo conversations are already there: nothing changed.")
            return
        with transaction.atomic():
            for language, texts in SCRIPTS:
                conversation = actions.start_web_conversation(
                    language=language, language_chosen=language != "en"
                )
                for text in texts:
                    message = actions.receive(conversation, text=text).message
                    processing.answer_now(message)
                conversation.refresh_from_db()
                conversation.state = {**conversation.state, "demo": True}
                conversation.save(update_fields=["state"])
        self.stdout.write(
            f"Demo chat: login demo_helpdesk; {len(SCRIPTS)} conversations, "
            f"{Conversation.objects.filter(handed_over=True).count()} waiting for a person."
        )
