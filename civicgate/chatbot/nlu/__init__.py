"""Understanding free text: an intent classifier trained on the examples in data/.

Character n-grams (1-4, within word boundaries) weighted by TF-IDF, and a logistic regression:
small enough to train in well under a second when a process starts, and robust to the
spelling variety of romanised Bengali and Hindi ("jol asche na", "paani nahi aa raha").
Nothing is downloaded: the examples ship with the code.
"""

import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civicgate.chatbot.language import normalise

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


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    # The runner-up, for a clarifying question when the two are close.
    second: str
    second_confidence: float


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
    def __init__(self, examples: list[tuple[str, str]]) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        texts = [normalise(text) for text, _intent in examples]
        labels = [intent for _text, intent in examples]
        self.pipeline: Any = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
            # saga trains in a fraction of the time lbfgs takes on these sparse features.
            LogisticRegression(C=20.0, solver="saga", max_iter=300, tol=1e-3, random_state=0),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.pipeline.fit(texts, labels)
        self.classes: list[str] = list(self.pipeline.classes_)

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        probabilities = self.pipeline.predict_proba([normalise(t) for t in texts])
        out = []
        for row in probabilities:
            ranked = sorted(zip(row, self.classes, strict=True), reverse=True)
            (p1, first), (p2, second) = ranked[0], ranked[1]
            out.append(Prediction(first, round(float(p1), 4), second, round(float(p2), 4)))
        return out


_lock = threading.Lock()
_model: IntentClassifier | None = None


def classifier() -> IntentClassifier:
    """The process's classifier, trained from the shipped examples at first use."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = IntentClassifier(training_examples())
    return _model


def classify(text: str) -> Prediction:
    return classifier().predict(text)
