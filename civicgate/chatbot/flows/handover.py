"""Hand-over to a person: the helpdesk answers in the same thread, then hands back to the bot."""

from typing import Any

from django.utils.translation import gettext as _

from civicgate.chatbot import actions
from civicgate.chatbot.flows import register
from civicgate.chatbot.flows.base import Context, Flow, Reply, Step, TextStep


class ReasonStep(TextStep):
    name = "reason"
    min_length = 2

    def prompt(self, ctx: Context) -> str:
        return _(
            "In a few words, what do you need help with? A member of our helpdesk will read it."
        )


@register
class HumanFlow(Flow):
    intent = "human"
    menu_order = 90

    def title(self) -> str:
        return _("Talk to a person")

    def steps(self) -> list[Step]:
        return [ReasonStep()]

    def complete(self, ctx: Context) -> list[Reply]:
        reason: Any = ctx.slots.get("reason", "")
        actions.hand_over(ctx.conversation, reason=str(reason))
        return [
            Reply(
                _(
                    "Thank you. I have passed your conversation to the KMC helpdesk; a person "
                    "will answer here (Monday to Saturday, 10:00 to 17:30)."
                )
            )
        ]
