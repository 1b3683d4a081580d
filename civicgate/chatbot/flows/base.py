"""The pieces a flow is made of: replies with choices, steps that fill slots, and the flow.

A flow is a list of steps; each step asks one question and turns the answer into one slot
value, or raises Invalid with a message the citizen reads (the step is then asked again).
Steps may skip themselves (the mobile number is already verified, the office is the only
one). The engine keeps the position and the slots in the conversation's state, so a flow
survives restarts, and "back" returns to the previous step.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.chatbot.language import ascii_digits, normalise, parse_number
from civicgate.chatbot.models import Conversation


@dataclass(frozen=True)
class Choice:
    id: str
    title: str
    description: str = ""


@dataclass
class Reply:
    text: str
    choices: list[Choice] = field(default_factory=list)
    image_url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [{"id": c.id, "title": c.title} for c in self.choices],
            "image_url": self.image_url or None,
        }


@dataclass
class Incoming:
    """What the citizen sent, whatever the channel: words, a chosen option, a pin, a photo."""

    text: str = ""
    choice: str = ""
    location: dict[str, Any] | None = None
    image: dict[str, Any] | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.text.strip() or self.choice or self.location or self.image)


class Invalid(Exception):
    """The answer does not fit the question; message says why, in the citizen's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Context:
    conversation: Conversation
    incoming: Incoming
    slots: dict[str, Any]
    client_address: str | None = None

    @property
    def language(self) -> str:
        return self.conversation.language


class Step(ABC):
    name = ""

    def skip(self, ctx: Context) -> bool:
        return False

    @abstractmethod
    def ask(self, ctx: Context) -> Reply: ...

    @abstractmethod
    def parse(self, ctx: Context, incoming: Incoming) -> Any: ...


def match_choice(options: Sequence[Choice], incoming: Incoming) -> Choice | None:
    """The option picked by id (a button), by number ("2", "২", "२") or by its title."""
    if incoming.choice:
        return next((o for o in options if o.id == incoming.choice), None)
    number = parse_number(incoming.text)
    if number is not None:
        return options[number - 1] if 1 <= number <= len(options) else None
    said = normalise(incoming.text)
    if not said:
        return None
    exact = [o for o in options if normalise(o.title) == said]
    if exact:
        return exact[0]
    starts = [o for o in options if normalise(o.title).startswith(said) and len(said) >= 3]
    return starts[0] if len(starts) == 1 else None


class ChoiceStep(Step):
    """A question answered by picking one option; the slot keeps the option's id."""

    @abstractmethod
    def options(self, ctx: Context) -> list[Choice]: ...

    @abstractmethod
    def prompt(self, ctx: Context) -> str: ...

    def empty_message(self, ctx: Context) -> str:
        return _("There is nothing to choose from here at the moment.")

    def skip(self, ctx: Context) -> bool:
        # With one option there is nothing to ask: take it.
        options = self.options(ctx)
        if len(options) == 1:
            ctx.slots[self.name] = options[0].id
            return True
        return False

    def ask(self, ctx: Context) -> Reply:
        options = self.options(ctx)
        if not options:
            return Reply(self.empty_message(ctx))
        return Reply(self.prompt(ctx), options)

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        picked = match_choice(self.options(ctx), incoming)
        if picked is None:
            raise Invalid(_("Please pick one of the options, or type its number."))
        return picked.id


class TextStep(Step):
    min_length = 2
    max_length = 300

    @abstractmethod
    def prompt(self, ctx: Context) -> str: ...

    def ask(self, ctx: Context) -> Reply:
        return Reply(self.prompt(ctx))

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        text = " ".join(incoming.text.split())
        if len(text) < self.min_length:
            raise Invalid(_("Please type a few words."))
        if len(text) > self.max_length:
            raise Invalid(
                _("Please keep it under %(count)d characters.") % {"count": self.max_length}
            )
        return text


def yes_no() -> list[Choice]:
    return [Choice("yes", _("Yes, confirm")), Choice("no", _("No, start again"))]


class ConfirmStep(ChoiceStep):
    name = "confirm"

    def __init__(self, summary: Callable[[Context], str]):
        self.summary = summary

    def skip(self, ctx: Context) -> bool:
        return False

    def options(self, ctx: Context) -> list[Choice]:
        return yes_no()

    def prompt(self, ctx: Context) -> str:
        return self.summary(ctx)

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        said = normalise(incoming.text)
        if said in YES_WORDS:
            return "yes"
        if said in NO_WORDS:
            return "no"
        return super().parse(ctx, incoming)


YES_WORDS = {"yes", "y", "ok", "confirm", "haan", "ha", "han", "hya", "hyan", "হ্যাঁ", "হাঁ", "हाँ", "हां"}
NO_WORDS = {"no", "n", "na", "nahi", "nah", "না", "नहीं", "ना"}


def parse_day(text: str, today: date) -> date | None:
    """A date typed as 25-12, 25/12/2026, 25.12.26 (day first, as in India), any digits."""
    cleaned = ascii_digits(text).strip().replace("/", "-").replace(".", "-")
    parts = [p for p in cleaned.split("-") if p]
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    day, month = int(parts[0]), int(parts[1])
    year = int(parts[2]) if len(parts) == 3 else today.year
    if year < 100:
        year += 2000
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    if len(parts) == 2 and found < today:
        found = date(year + 1, month, day)
    return found


class DayStep(ChoiceStep):
    """A day from today on: today / tomorrow / the day after as options, or typed as a date."""

    days_ahead = 30

    def skip(self, ctx: Context) -> bool:
        return False

    def options(self, ctx: Context) -> list[Choice]:
        today = timezone.localdate()
        names = [_("Today"), _("Tomorrow"), _("Day after tomorrow")]
        return [
            Choice(
                (today + timedelta(days=n)).isoformat(),
                names[n],
                (today + timedelta(days=n)).strftime("%d-%m-%Y"),
            )
            for n in range(3)
        ]

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        today = timezone.localdate()
        typed = parse_day(incoming.text, today) if incoming.text and not incoming.choice else None
        if typed is None:
            value = super().parse(ctx, incoming)
            typed = date.fromisoformat(value)
        if typed < today:
            raise Invalid(_("That day has passed. Please choose today or a later day."))
        if typed > today + timedelta(days=self.days_ahead):
            raise Invalid(
                _("Please choose a day within the next %(days)d days.") % {"days": self.days_ahead}
            )
        return typed.isoformat()


class Flow(ABC):
    """One thing the bot does, named by its intent; steps fill the slots, complete() acts."""

    intent = ""
    menu_order: int | None = None
    # Flows that touch personal data need the mobile proved first (WhatsApp: the sender).
    needs_mobile = False

    @abstractmethod
    def title(self) -> str: ...

    def steps(self) -> list[Step]:
        return []

    def available(self) -> bool:
        return True

    def start(self, ctx: Context) -> list[Reply]:
        return []

    @abstractmethod
    def complete(self, ctx: Context) -> list[Reply]: ...
