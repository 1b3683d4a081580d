"""The dialogue: from one incoming message and the conversation's state to the bot's replies.

Understanding goes from the surest to the least sure: a chosen option (button, list row,
number), the words that work anywhere (menu, back, cancel, a language's name), the step of
the flow in progress, and only then the classifier, whose doubtful answers get a short
clarifying menu instead of a guess. The engine knows nothing of channels; it changes
conversation.state and the caller saves it.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicgate.chatbot import flows, nlu
from civicgate.chatbot.flows.base import Choice, Context, Flow, Incoming, Invalid, Reply
from civicgate.chatbot.language import (
    LANGUAGES,
    NATIVE_NAMES,
    named_language,
    normalise,
    parse_number,
    script_language,
)
from civicgate.chatbot.models import Conversation

CONFIDENT = 0.5
# Two intents this close are a question to the citizen, not a guess.
MARGIN = 0.15
# Leaving a flow for another intent mid-answer needs more certainty.
SWITCH_CONFIDENT = 0.8
RESUME_AFTER = timedelta(minutes=30)

COMMANDS = {
    "menu": {"menu", "main menu", "home", "start", "মেনু", "मेनू", "मेन्यू", "0"},
    "back": {
        "back",
        "go back",
        "previous",
        "pichhe",
        "piche",
        "fire jao",
        "ফিরে যান",
        "পিছনে",
        "পেছনে",
        "पीछे",
        "वापस",
    },
    "cancel": {"cancel", "stop", "quit", "exit", "batil", "বাতিল", "radd", "रद्द", "बंद करो"},
}
LANGUAGE_WORDS = {"language", "bhasha", "bhasa", "ভাষা", "भाषा", "lang"}
# Intents answered by the engine itself; the others are flows.
BUILT_IN = {"greet", "menu", "goodbye", "fallback", "language"}


@dataclass
class Turn:
    replies: list[Reply] = field(default_factory=list)
    intent: str = "fallback"
    confidence: float = 0.0


def _titles() -> dict[str, str]:
    titles = {f.intent: f.title() for f in flows.menu_flows()}
    titles.update(
        {
            "greet": _("Hello"),
            "menu": _("Main menu"),
            "goodbye": _("Goodbye"),
            "language": _("Change language"),
            "fallback": _("Something else"),
        }
    )
    return titles


def menu_reply(text: str | None = None) -> Reply:
    choices = [Choice(f"flow:{f.intent}", f.title()[:24]) for f in flows.menu_flows()]
    choices = [*choices[:9], Choice("cmd:language", _("Language / ভাষা / भाषा")[:24])]
    return Reply(text or _("How can I help you? Choose an option or type your question."), choices)


def language_reply() -> Reply:
    return Reply(
        "Please choose your language.\nঅনুগ্রহ করে আপনার ভাষা বেছে নিন।\nकृपया अपनी भाषा चुनें।",
        [Choice(f"lang:{code}", NATIVE_NAMES[code]) for code in LANGUAGES],
    )


class Dialogue:
    def __init__(self, conversation: Conversation, incoming: Incoming, client_address: str | None):
        self.conversation = conversation
        self.incoming = incoming
        self.client_address = client_address
        self.state: dict[str, Any] = dict(conversation.state or {})
        self.state.setdefault("slots", {})
        self.state.setdefault("history", [])

    # -- helpers ---------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return normalise(self.incoming.text)

    def context(self) -> Context:
        return Context(self.conversation, self.incoming, self.state["slots"], self.client_address)

    def set_language(self, code: str) -> None:
        self.conversation.language = code
        self.conversation.language_chosen = True
        translation.activate(code)

    def offered_choice(self) -> str:
        """The id of the option picked by id or by its number among those last offered."""
        if self.incoming.choice:
            return self.incoming.choice
        number = parse_number(self.incoming.text)
        offered = self.state.get("offered") or []
        in_flow = self.state.get("flow") and not self.state.get("resume")
        if number is not None and 1 <= number <= len(offered) and not in_flow:
            return str(offered[number - 1])
        return ""

    def clear_flow(self) -> None:
        for key in ("flow", "step", "resume"):
            self.state.pop(key, None)
        self.state["slots"] = {}
        self.state["history"] = []

    # -- the turn --------------------------------------------------------------------------
    def run(self) -> Turn:
        turn = self.understand()
        offered = [c.id for r in turn.replies for c in r.choices]
        self.state["offered"] = offered
        self.conversation.state = self.state
        self.conversation.last_activity_at = timezone.now()
        self.conversation.idle_prompted = False
        return turn

    def understand(self) -> Turn:
        choice = self.offered_choice()
        if choice.startswith("lang:") and choice[5:] in LANGUAGES:
            return self.switch_language(choice[5:])
        if not self.conversation.language_chosen:
            first = self.first_contact(choice)
            if first is not None:
                return first
        named = named_language(self.incoming.text)
        if named and not choice:
            return self.switch_language(named)
        if choice == "cmd:language" or (not choice and self.text in LANGUAGE_WORDS):
            return Turn([language_reply()], "language", 1.0)
        command = choice[4:] if choice.startswith("cmd:") else self.command()
        if command:
            return self.global_command(command)
        if self.state.get("resume"):
            return self.resume(choice)
        if self.state.get("flow"):
            idle = timezone.now() - self.conversation.last_activity_at
            if idle > RESUME_AFTER and not choice:
                return self.offer_resume()
            return self.continue_flow()
        if choice.startswith("flow:"):
            return self.start(choice[5:], 1.0)
        if self.incoming.location or self.incoming.image:
            return Turn(
                [menu_reply(_("Thank you. What would you like to report? Choose below."))],
                "menu",
                1.0,
            )
        return self.classify()

    def command(self) -> str:
        if self.incoming.choice:
            # A tapped option is its id, whatever its title says ("Cancel it").
            return ""
        for name, words in COMMANDS.items():
            if self.text in words:
                return name
        return ""

    def first_contact(self, choice: str) -> Turn | None:
        """Pick the language at the first message: from its script, else ask (keeping the words)."""
        script = script_language(self.incoming.text)
        if script:
            self.set_language(script)
            return None
        named = named_language(self.incoming.text)
        if named:
            return None
        self.state["pending_text"] = self.incoming.text[:500]
        prediction = nlu.classify(self.incoming.text) if self.incoming.text.strip() else None
        return Turn(
            [language_reply()],
            prediction.intent if prediction else "greet",
            prediction.confidence if prediction else 1.0,
        )

    def switch_language(self, code: str) -> Turn:
        first = not self.conversation.language_chosen
        self.set_language(code)
        pending = self.state.pop("pending_text", "")
        if first and pending:
            prediction = nlu.classify(pending)
            if prediction.intent not in ("greet", "language", "fallback", "menu") and (
                prediction.confidence >= CONFIDENT
            ):
                self.incoming = Incoming(text=pending)
                return self.classify()
        if self.state.get("flow"):
            turn = Turn([Reply(_("Language changed to English."))], "language", 1.0)
            turn.replies.append(self.ask_current())
            return turn
        return Turn(
            [menu_reply(_("Welcome to the Kolkata Municipal Corporation. How can I help you?"))],
            "language",
            1.0,
        )

    def global_command(self, command: str) -> Turn:
        if command == "back" and self.state.get("flow"):
            return self.back()
        if command == "cancel" and self.state.get("flow"):
            self.clear_flow()
            return Turn([menu_reply(_("Cancelled. Nothing was saved."))], "menu", 1.0)
        self.clear_flow()
        return Turn([menu_reply()], "menu", 1.0)

    def classify(self) -> Turn:
        if not self.incoming.text.strip():
            return Turn([menu_reply()], "menu", 1.0)
        prediction = nlu.classify(self.incoming.text)
        doubtful = (
            prediction.confidence < CONFIDENT
            or prediction.confidence - prediction.second_confidence < MARGIN
        )
        if doubtful:
            return self.clarify(prediction)
        return self.dispatch(prediction.intent, prediction.confidence)

    def clarify(self, prediction: nlu.Prediction) -> Turn:
        titles = _titles()
        choices = []
        for intent in (prediction.intent, prediction.second):
            if intent in ("fallback", "greet"):
                continue
            target = f"flow:{intent}" if flows.get(intent) else f"cmd:{intent}"
            if intent in titles and (flows.get(intent) or intent in ("menu", "language")):
                choices.append(Choice(target, titles[intent][:24]))
        choices.append(Choice("cmd:menu", _("Main menu")))
        return Turn(
            [Reply(_("Sorry, I am not sure what you mean. Did you mean one of these?"), choices)],
            prediction.intent,
            prediction.confidence,
        )

    def dispatch(self, intent: str, confidence: float) -> Turn:
        if intent == "greet":
            text = _("Namaskar! Welcome to the Kolkata Municipal Corporation. How can I help you?")
            return Turn([menu_reply(text)], intent, confidence)
        if intent == "menu":
            return Turn([menu_reply()], intent, confidence)
        if intent == "goodbye":
            self.clear_flow()
            return Turn(
                [Reply(_("Thank you for contacting KMC. Type hi any time to start again."))],
                intent,
                confidence,
            )
        if intent == "language":
            return Turn([language_reply()], intent, confidence)
        if intent == "fallback":
            text = _(
                "I can help only with KMC's services: gate passes, appointments, taxes, water "
                "supply, permissions and complaints."
            )
            return Turn([menu_reply(text)], intent, confidence)
        return self.start(intent, confidence)

    # -- flows -----------------------------------------------------------------------------
    def start(self, intent: str, confidence: float) -> Turn:
        flow = flows.get(intent)
        if flow is None:
            text = _("That service is not available in the chat yet. Please choose another.")
            return Turn([menu_reply(text)], intent, confidence)
        self.clear_flow()
        self.state["flow"] = intent
        ctx = self.context()
        replies = flow.start(ctx)
        return Turn(replies + self.advance(flow, None), intent, confidence)

    def flow(self) -> Flow | None:
        return flows.get(str(self.state.get("flow", "")))

    def advance(self, flow: Flow, after: str | None) -> list[Reply]:
        """Move to the first step after `after` that does not skip itself, and ask it; at the
        end, complete the flow."""
        ctx = self.context()
        names = [s.name for s in flow.steps()]
        position = names.index(after) + 1 if after in names else 0
        for step in flow.steps()[position:]:
            if not step.skip(ctx):
                self.state["step"] = step.name
                return [step.ask(ctx)]
        try:
            replies = flow.complete(ctx)
        finally:
            self.clear_flow()
        return replies

    def ask_current(self) -> Reply:
        flow = self.flow()
        step = (
            next((s for s in flow.steps() if s.name == self.state.get("step")), None)
            if flow
            else None
        )
        if step is None:
            self.clear_flow()
            return menu_reply()
        return step.ask(self.context())

    def continue_flow(self) -> Turn:
        flow = self.flow()
        step = (
            next((s for s in flow.steps() if s.name == self.state.get("step")), None)
            if flow
            else None
        )
        if flow is None or step is None:
            self.clear_flow()
            return self.classify()
        ctx = self.context()
        try:
            value = step.parse(ctx, self.incoming)
        except Invalid as problem:
            switched = self.switch_flow(flow)
            if switched is not None:
                return switched
            return Turn([Reply(problem.message), step.ask(ctx)], flow.intent, 1.0)
        ctx.slots[step.name] = value
        self.state["history"].append(step.name)
        if step.name == "confirm" and value == "no":
            self.clear_flow()
            return self.start(flow.intent, 1.0)
        return Turn(self.advance(flow, step.name), flow.intent, 1.0)

    def switch_flow(self, flow: Flow) -> Turn | None:
        """A clear request for something else in the middle of a flow starts that instead."""
        if not self.incoming.text.strip() or parse_number(self.incoming.text) is not None:
            return None
        prediction = nlu.classify(self.incoming.text)
        if (
            prediction.confidence >= SWITCH_CONFIDENT
            and prediction.intent != flow.intent
            and prediction.intent not in ("fallback", "greet")
        ):
            self.clear_flow()
            return self.dispatch(prediction.intent, prediction.confidence)
        return None

    def back(self) -> Turn:
        flow = self.flow()
        history: list[str] = self.state["history"]
        # Steps that skipped themselves filled their slot; going back passes over them.
        while history and history[-1].startswith("_"):
            history.pop()
        if flow is None or not history:
            self.clear_flow()
            return Turn([menu_reply()], "menu", 1.0)
        previous = history.pop()
        names = [s.name for s in flow.steps()]
        for name in names[names.index(previous) :]:
            self.state["slots"].pop(name, None)
        self.state["step"] = previous
        return Turn([self.ask_current()], flow.intent, 1.0)

    def offer_resume(self) -> Turn:
        flow = self.flow()
        self.state["resume"] = True
        title = flow.title() if flow else ""
        return Turn(
            [
                Reply(
                    _("Welcome back. We were in the middle of: %(flow)s. Shall we continue?")
                    % {"flow": title},
                    [Choice("resume:yes", _("Continue")), Choice("cmd:menu", _("Main menu"))],
                )
            ],
            flow.intent if flow else "menu",
            1.0,
        )

    def resume(self, choice: str) -> Turn:
        self.state.pop("resume", None)
        said = self.text
        if choice == "resume:yes" or said in ("yes", "continue", "haan", "hya", "হ্যাঁ", "हाँ"):
            flow = self.flow()
            return Turn([self.ask_current()], flow.intent if flow else "menu", 1.0)
        self.clear_flow()
        return self.classify() if said and not choice else Turn([menu_reply()], "menu", 1.0)


def respond(
    conversation: Conversation, incoming: Incoming, *, client_address: str | None = None
) -> Turn:
    """Answer one message: the replies, in the conversation's language, with the intent and the
    confidence behind them. conversation.state is updated; the caller saves it."""
    with translation.override(conversation.language):
        return Dialogue(conversation, incoming, client_address).run()
