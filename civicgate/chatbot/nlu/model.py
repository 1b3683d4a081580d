"""The learnt intent model as plain arrays, and understanding a message with NumPy alone.

Training (nlu/training.py) uses scikit-learn; what it learns is a vocabulary of character
n-grams, their IDF weights, and a weight per n-gram and intent with one bias per intent.
Those arrays are all that understanding needs, so a process that finds them in the model
file (keyed by a hash of the training examples and the settings) loads in milliseconds and
never imports scikit-learn. The features are computed exactly as scikit-learn's
TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, norm="l2") does,
and the probabilities as LogisticRegression.predict_proba (a softmax over the intents); a
test checks both against scikit-learn on every training and held-out example.
"""

import math
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NGRAMS = (1, 4)
# scikit-learn's TfidfVectorizer folds runs of white space the same way before splitting.
_WHITE_SPACES = re.compile(r"\s\s+")
FORMAT = 1


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    # The runner-up, for a clarifying question when the two are close.
    second: str
    second_confidence: float


def char_wb_ngrams(text: str) -> list[str]:
    """The character 1-4-grams of each word padded with a space, as scikit-learn's char_wb
    analyzer makes them (a word shorter than n gives one n-gram: itself, padded)."""
    low, high = NGRAMS
    grams: list[str] = []
    add = grams.append
    for word in _WHITE_SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            offset = 0
            add(padded[offset : offset + n])
            while offset + n < length:
                offset += 1
                add(padded[offset : offset + n])
            if offset == 0:
                break
    return grams


class IntentModel:
    """Vocabulary, IDF, weights and biases of the intent classifier; predicts with NumPy."""

    def __init__(
        self,
        terms: list[str],
        idf: np.ndarray,
        weights: np.ndarray,
        bias: np.ndarray,
        classes: list[str],
    ) -> None:
        if weights.shape != (len(terms), len(classes)) or idf.shape != (len(terms),):
            raise ValueError("The model's arrays do not fit together.")
        self.vocabulary = {term: column for column, term in enumerate(terms)}
        self.idf = np.ascontiguousarray(idf, dtype=np.float64)
        # One row per n-gram: a message's few n-grams are a gather of whole rows.
        self.weights = np.ascontiguousarray(weights, dtype=np.float64)
        self.bias = np.ascontiguousarray(bias, dtype=np.float64)
        self.classes = list(classes)

    # -- understanding ---------------------------------------------------------------------
    def probabilities(self, text: str) -> np.ndarray:
        """The probability of each intent (in self.classes' order) for an already normalised
        text."""
        counts = Counter(char_wb_ngrams(text))
        columns = []
        tf = []
        vocabulary = self.vocabulary
        for gram, count in counts.items():
            column = vocabulary.get(gram)
            if column is not None:
                columns.append(column)
                tf.append(1.0 + math.log(count))
        scores = self.bias.copy()
        if columns:
            index = np.array(columns, dtype=np.intp)
            values = np.array(tf) * self.idf[index]
            values /= math.sqrt(float(values @ values))
            scores += values @ self.weights[index]
        scores -= scores.max()
        np.exp(scores, out=scores)
        scores /= scores.sum()
        return scores

    def predict(self, text: str) -> Prediction:
        row = self.probabilities(text).tolist()
        ranked = sorted(zip(row, self.classes, strict=True), reverse=True)
        (p1, first), (p2, second) = ranked[0], ranked[1]
        return Prediction(first, round(float(p1), 4), second, round(float(p2), 4))

    # -- the model file --------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the model to path atomically: a reader sees the old file or the whole new one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".model-", suffix=".npz")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(
                    out,
                    format=np.array(FORMAT),
                    terms=np.array(terms, dtype=str),
                    idf=self.idf,
                    weights=self.weights,
                    bias=self.bias,
                    classes=np.array(self.classes, dtype=str),
                )
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> "IntentModel":
        """Read a model file written by save(); ValueError (or OSError) if it is unusable."""
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != FORMAT:
                raise ValueError(f"{path.name}: model file format {int(data['format'])}")
            return cls(
                data["terms"].tolist(),
                data["idf"],
                data["weights"],
                data["bias"],
                data["classes"].tolist(),
            )
