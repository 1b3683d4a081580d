"""Talk to the bot in the terminal, as a citizen would on the web chat."""

from typing import Any

from django.core.management.base import BaseCommand

from civicgate.chatbot import actions, processing
from civicgate.chatbot.models import Message


class Command(BaseCommand):
    help = "Chat with the KMC assistant in the terminal (numbers pick options; Ctrl-D quits)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--language", choices=["en", "bn", "hi"], default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        conversation = actions.start_cli_conversation(language=options["language"] or "en")
        if options["language"]:
            conversation.language_chosen = True
            conversation.save(update_fields=["language_chosen"])
        self.stdout.write("KMC assistant. Type hi to begin; Ctrl-D to leave.")
        while True:
            try:
                text = input("you> ")
            except EOFError:
                self.stdout.write("")
                return
            if not text.strip():
                continue
            inbound = actions.receive(conversation, text=text).message
            processing.answer_now(inbound)
            inbound.refresh_from_db()
            for reply in Message.objects.filter(in_reply_to=inbound).order_by("id"):
                self.stdout.write(f"bot> {reply.text}")
                for n, choice in enumerate(reply.payload.get("choices", []), start=1):
                    self.stdout.write(f"     {n}. {choice['title']}")
                if reply.payload.get("image_url"):
                    self.stdout.write(f"     [image] {reply.payload['image_url']}")
            self.stdout.write(f"     ({inbound.intent} {inbound.confidence or 0:.2f})")
