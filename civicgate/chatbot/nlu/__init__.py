"""Understanding free text: an intent classifier trained on the examples in data/.

Character n-grams (1-4, within word boundaries) weighted by TF-IDF, and a logistic regression,
robust to the spelling variety of romanised Bengali and Hindi ("jol asche na", "paani nahi aa
raha"). scikit-learn trains it (nlu/training.py); what it learns is kept in a model file named
by a hash of the examples and the training settings, and understanding runs on those arrays
with NumPy (nlu/model.py). A process finding the file loads it in milliseconds; the first to
miss it trains (under a file lock, so workers starting together train once) and writes it.
Nothing is downloaded: the examples ship with the code.
"""

import fcntl
import hashlib
import json
import logging
import threading
from pathlib import Path

from django.conf import settings

from civicgate.chatbot.language import normalise
from civicgate.chatbot.nlu.model import FORMAT, IntentModel, Prediction

__all__ = ["IntentClassifier", "Prediction", "classifier", "classify", "model_path"]

logger = logging.getLogger(__name__)

DATA = Path(__file__).parent / "data"
INTENTS = (
    "greet",
    "menu",
    "gate_pass",
    "book_appointment",
    "my_appointments",
    "change_appointment",
    "property_tax",
    "water_supply",
    "building_plan",
    "advertisement",
    "track_request",
    "complaint",
    "language",
    "human",
    "goodbye",
    "fallback",
)
DATA_LANGUAGES = ("en", "bn", "hi")


def read_examples(split: str, language: str) -> list[tuple[str, str]]:
    """(text, intent) pairs of data/<split>_<language>.tsv; split is train or heldout."""
    pairs = []
    path = DATA / f"{split}_{language}.tsv"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        intent, _tab, text = line.partition("\t")
        if intent not in INTENTS or not text.strip():
            raise ValueError(f"{path.name}:{number}: expected <intent>\\t<text>, got {line!r}")
        pairs.append((text.strip(), intent))
    return pairs


def training_examples() -> list[tuple[str, str]]:
    return [pair for language in DATA_LANGUAGES for pair in read_examples("train", language)]


class IntentClassifier:
    """The classifier for a list of (text, intent) examples: trained with scikit-learn when
    built from examples, or read from a model file (from_model)."""

    def __init__(self, examples: list[tuple[str, str]]) -> None:
        from civicgate.chatbot.nlu import training

        texts = [normalise(text) for text, _intent in examples]
        labels = [intent for _text, intent in examples]
        # The fitted scikit-learn pipeline, kept for comparison; predictions use self.model.
        self.pipeline = training.pipeline(texts, labels)
        self.model = training.learnt_model(self.pipeline)
        self.classes: list[str] = self.model.classes

    @classmethod
    def from_model(cls, model: IntentModel) -> "IntentClassifier":
        made = cls.__new__(cls)
        made.pipeline = None
        made.model = model
        made.classes = model.classes
        return made

    def predict(self, text: str) -> Prediction:
        return self.model.predict(normalise(text))

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]


def examples_key(examples: list[tuple[str, str]]) -> str:
    """A hash of the examples, the training settings and the file format: the model file's name."""
    from civicgate.chatbot.nlu.training import SETTINGS

    digest = hashlib.sha256(
        json.dumps([FORMAT, SETTINGS, examples], ensure_ascii=False, sort_keys=True).encode()
    )
    return digest.hexdigest()[:20]


def model_dir() -> Path:
    """settings.CHATBOT_MODEL_DIR, else var/chatbot in the project (not kept in git)."""
    configured = getattr(settings, "CHATBOT_MODEL_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "chatbot"


def model_path(examples: list[tuple[str, str]]) -> Path:
    return model_dir() / f"intent-model-{examples_key(examples)}.npz"


def load_or_train(examples: list[tuple[str, str]], path: Path) -> IntentClassifier:
    """The classifier from path when it is there and readable; else trained and saved there."""
    try:
        return IntentClassifier.from_model(IntentModel.load(path))
    except (OSError, ValueError, KeyError) as problem:
        if path.exists():
            logger.warning("Unusable chatbot model file %s (%s); training again.", path, problem)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = (path.parent / ".train.lock").open("a")
    except OSError as problem:
        logger.warning("Cannot write the chatbot model to %s (%s).", path.parent, problem)
        return IntentClassifier(examples)
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Another process may have trained while this one waited for the lock.
        if path.exists():
            try:
                return IntentClassifier.from_model(IntentModel.load(path))
            except (OSError, ValueError, KeyError):
                pass
        trained = IntentClassifier(examples)
        try:
            trained.model.save(path)
        except OSError as problem:
            logger.warning("Cannot write the chatbot model to %s (%s).", path, problem)
        return trained


_lock = threading.Lock()
_model: IntentClassifier | None = None


def classifier() -> IntentClassifier:
    """The process's classifier: from the model file, trained from the shipped examples only
    when the file is missing or stale."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                examples = training_examples()
                _model = load_or_train(examples, model_path(examples))
    return _model


def classify(text: str) -> Prediction:
    return classifier().predict(text)
