"""The intent classifier on held-out examples it never saw in training."""

from collections import defaultdict

import pytest

from civicgate.chatbot import nlu
from civicgate.chatbot.language import script_language

OVERALL_FLOOR = 0.90
LANGUAGE_FLOOR = 0.85


@pytest.fixture(scope="module")
def held_out() -> list[tuple[str, str, str]]:
    return [
        (text, intent, language)
        for language in nlu.DATA_LANGUAGES
        for text, intent in nlu.read_examples("heldout", language)
    ]


def test_no_held_out_example_is_also_a_training_example(
    held_out: list[tuple[str, str, str]],
) -> None:
    trained = {text.casefold() for text, _intent in nlu.training_examples()}

    assert not [text for text, _i, _l in held_out if text.casefold() in trained]


def test_every_intent_has_examples_in_every_language_and_in_roman_script() -> None:
    for language in nlu.DATA_LANGUAGES:
        examples = nlu.read_examples("train", language)
        assert {intent for _t, intent in examples} == set(nlu.INTENTS)
        if language != "en":
            roman = {intent for text, intent in examples if script_language(text) is None}
            assert roman == set(nlu.INTENTS)


def test_held_out_accuracy_is_above_the_floor_overall_and_in_each_language(
    held_out: list[tuple[str, str, str]],
) -> None:
    model = nlu.IntentClassifier(nlu.training_examples())
    predictions = model.predict_many([text for text, _i, _l in held_out])
    right: dict[str, list[bool]] = defaultdict(list)
    for prediction, (_text, intent, language) in zip(predictions, held_out, strict=True):
        right[language].append(prediction.intent == intent)
        right["all"].append(prediction.intent == intent)

    accuracy = {key: sum(hits) / len(hits) for key, hits in right.items()}
    assert accuracy["all"] >= OVERALL_FLOOR, accuracy
    for language in nlu.DATA_LANGUAGES:
        assert accuracy[language] >= LANGUAGE_FLOOR, accuracy


def test_every_prediction_carries_a_confidence_between_zero_and_one() -> None:
    prediction = nlu.classify("paani nahi aa raha")

    assert prediction.intent == "water_supply"
    assert 0.0 < prediction.second_confidence <= prediction.confidence <= 1.0
