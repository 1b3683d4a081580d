"""The learnt model as a file: NumPy gives scikit-learn's probabilities, a process finding the
file loads it without scikit-learn, and a stale or broken file is trained afresh."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from civicgate.chatbot import nlu
from civicgate.chatbot.language import normalise
from civicgate.chatbot.nlu.model import IntentModel, char_wb_ngrams


@pytest.fixture(scope="module")
def trained() -> nlu.IntentClassifier:
    return nlu.IntentClassifier(nlu.training_examples())


def _all_texts() -> list[str]:
    held_out = [t for lang in nlu.DATA_LANGUAGES for t, _i in nlu.read_examples("heldout", lang)]
    odd = ["", "   ", "?!", "a", "zzzz qqqq", "Hello   THERE\tfriend", "৩ नंबर 12"]
    return [normalise(t) for t, _i in nlu.training_examples()] + held_out + odd


def test_numpy_gives_the_probabilities_scikit_learn_gives_for_every_example(
    trained: nlu.IntentClassifier,
) -> None:
    texts = _all_texts()
    expected = trained.pipeline.predict_proba(texts)
    analyzer = trained.pipeline[0].build_analyzer()

    ours = np.array([trained.model.probabilities(t) for t in texts])

    assert list(trained.pipeline.classes_) == trained.classes
    assert np.allclose(ours, expected, rtol=0, atol=1e-9)
    assert all(char_wb_ngrams(t) == analyzer(t) for t in texts)


def test_a_saved_model_predicts_as_the_trained_one(
    trained: nlu.IntentClassifier, tmp_path: Path
) -> None:
    path = tmp_path / "model.npz"
    trained.model.save(path)

    loaded = nlu.IntentClassifier.from_model(IntentModel.load(path))

    texts = _all_texts()
    assert loaded.predict_many(texts) == trained.predict_many(texts)


def test_a_process_finding_the_model_file_loads_it_without_scikit_learn(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from django.conf import settings\n"
        f"settings.configure(BASE_DIR={str(tmp_path)!r}, CHATBOT_MODEL_DIR={str(tmp_path)!r})\n"
        "from civicgate.chatbot import nlu\n"
        "nlu.classifier()\n"
        "print(nlu.classify('paani nahi aa raha').intent, 'sklearn' in sys.modules)\n"
    )

    def run() -> str:
        return subprocess.run(
            [sys.executable, "-c", script],
            cwd=settings.BASE_DIR,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()

    assert run() == ["water_supply", "True"]  # no file yet: trains, then writes it
    assert len(list(tmp_path.glob("intent-model-*.npz"))) == 1
    assert run() == ["water_supply", "False"]


def test_changed_examples_name_another_model_file() -> None:
    examples = nlu.training_examples()
    changed = [*examples[:-1], (examples[-1][0] + " please", examples[-1][1])]

    assert nlu.model_path(examples) != nlu.model_path(changed)
    assert nlu.model_path(examples) == nlu.model_path(list(examples))


def test_a_broken_model_file_is_trained_again_and_replaced(tmp_path: Path) -> None:
    examples = [(text, intent) for text, intent in nlu.training_examples()[::3]]
    path = tmp_path / "intent-model-test.npz"
    path.write_bytes(b"not a model")

    model = nlu.load_or_train(examples, path)

    assert model.pipeline is not None  # trained
    assert IntentModel.load(path).classes == model.classes
    reloaded = nlu.load_or_train(examples, path)
    assert reloaded.pipeline is None  # read from the file
    assert reloaded.predict("jol asche na") == model.predict("jol asche na")
