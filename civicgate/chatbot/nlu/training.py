"""Training the intent classifier with scikit-learn, and taking the learnt arrays out of it.

Imported only when no model file matches the training examples (see nlu.classifier()): a
process that finds the file never imports scikit-learn.
"""

import warnings
from typing import Any

import numpy as np

from civicgate.chatbot.nlu.model import NGRAMS, IntentModel

# Part of the model file's key: a change here trains afresh.
SETTINGS = {
    "analyzer": "char_wb",
    "ngram_range": NGRAMS,
    "sublinear_tf": True,
    "C": 20.0,
    "solver": "saga",
    "max_iter": 300,
    "tol": 1e-3,
    "random_state": 0,
}


def pipeline(texts: list[str], labels: list[str]) -> Any:
    """The fitted scikit-learn pipeline: TF-IDF character n-grams and a logistic regression."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    fitted = make_pipeline(
        TfidfVectorizer(
            analyzer=SETTINGS["analyzer"],
            ngram_range=SETTINGS["ngram_range"],
            sublinear_tf=SETTINGS["sublinear_tf"],
        ),
        # saga trains in a fraction of the time lbfgs takes on these sparse features.
        LogisticRegression(
            C=SETTINGS["C"],
            solver=SETTINGS["solver"],
            max_iter=SETTINGS["max_iter"],
            tol=SETTINGS["tol"],
            random_state=SETTINGS["random_state"],
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted.fit(texts, labels)
    return fitted


def learnt_model(fitted: Any) -> IntentModel:
    """The arrays a fitted pipeline learnt, for understanding with NumPy alone."""
    vectorizer, regression = fitted[0], fitted[-1]
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    classes = [str(c) for c in regression.classes_]
    if regression.coef_.shape[0] != len(classes):
        raise ValueError("Expected one weight row per intent (a multinomial model).")
    return IntentModel(
        terms,
        np.asarray(vectorizer.idf_),
        np.asarray(regression.coef_).T,
        np.asarray(regression.intercept_),
        classes,
    )
