"""The chatbot's intent classifier: held-out accuracy per language and per intent, the time
to train it when a process starts, the time to understand one message, and its memory.

.venv/bin/python benchmarks/chatbot_accuracy.py [--repeat 2000]

scikit-learn trains the model; understanding runs on the learnt arrays with NumPy (what a
server does), so the accuracy shown is that of the NumPy model. The model is then saved to
its file and a new process loads it, as a server worker does: that is the model load time,
with the process's memory and whether it imported scikit-learn (it should not).
The held-out examples (civicgate/chatbot/nlu/data/heldout_*.tsv) are never used for training.
Bengali and Hindi include romanised examples ("jol asche na"); their accuracy is also shown
by script. Targets (issue 6): at least 90% overall and 85% in each language; model load
under 1 s.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


LOAD = """
import json, sys, time
from pathlib import Path
from django.conf import settings
settings.configure(BASE_DIR=sys.argv[1], CHATBOT_MODEL_DIR=sys.argv[1])
def rss():
    status = Path("/proc/self/status").read_text().splitlines()
    return int(next(line for line in status if line.startswith("VmRSS:")).split()[1]) / 1024
before = rss()
started = time.perf_counter()
from civicgate.chatbot import nlu
imported = time.perf_counter()
nlu.classifier()
loaded = time.perf_counter()
print(json.dumps({
    "import_s": imported - started, "load_s": loaded - imported, "rss_before": before,
    "rss_after": rss(),
    "sklearn": "sklearn" in sys.modules,
}))
"""


def load_in_new_process(model: object, folder: Path) -> dict[str, float]:
    """Save the model where nlu.classifier() looks for it and load it in a new process."""
    from civicgate.chatbot import nlu

    examples = nlu.training_examples()
    path = folder / f"intent-model-{nlu.examples_key(examples)}.npz"
    model.model.save(path)  # type: ignore[attr-defined]
    out = subprocess.run(
        [sys.executable, "-c", LOAD, str(folder)],
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2000, help="messages for the latency figure")
    args = parser.parse_args()

    before = rss_mib()
    started = time.perf_counter()
    import sklearn.feature_extraction.text
    import sklearn.linear_model  # noqa: F401

    from civicgate.chatbot import nlu
    from civicgate.chatbot.language import script_language

    imported = time.perf_counter()
    model = nlu.IntentClassifier(nlu.training_examples())
    trained = time.perf_counter()
    after = rss_mib()
    with tempfile.TemporaryDirectory() as folder:
        loaded = load_in_new_process(model, Path(folder))

    held_out = [
        (text, intent, language)
        for language in nlu.DATA_LANGUAGES
        for text, intent in nlu.read_examples("heldout", language)
    ]
    predictions = model.predict_many([t for t, _i, _l in held_out])
    hits: dict[str, list[bool]] = defaultdict(list)
    per_intent: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for prediction, (text, intent, language) in zip(predictions, held_out, strict=True):
        ok = prediction.intent == intent
        script = "roman" if language != "en" and script_language(text) is None else "native"
        hits["all"].append(ok)
        hits[language].append(ok)
        if language != "en":
            hits[f"{language} ({script})"].append(ok)
        per_intent[intent].append(ok)
        if not ok:
            misses.append((language, text, intent, prediction.intent, prediction.confidence))

    texts = [t for t, _i, _l in held_out]
    timings = []
    for n in range(args.repeat):
        t0 = time.perf_counter()
        model.predict(texts[n % len(texts)])
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()

    train_count = len(nlu.training_examples())
    print(f"training examples: {train_count}; held-out examples: {len(held_out)}")
    print(f"import of scikit-learn and the module: {imported - started:.2f} s")
    print(f"model training (when its file is missing): {trained - imported:.2f} s")
    print(f"memory (max RSS) before/after training: {before:.0f} / {after:.0f} MiB")
    print(
        f"model load from its file in a new process: {loaded['load_s'] * 1000:.0f} ms "
        f"(+ {loaded['import_s'] * 1000:.0f} ms importing the module and NumPy); "
        f"RSS {loaded['rss_before']:.0f} -> {loaded['rss_after']:.0f} MiB; "
        f"scikit-learn imported: {'yes' if loaded['sklearn'] else 'no'}"
    )
    print(
        f"one message understood: p50 {statistics.median(timings):.2f} ms, "
        f"p99 {timings[int(len(timings) * 0.99) - 1]:.2f} ms"
    )
    print("\naccuracy by language")
    for key in ["all", "en", "bn", "bn (native)", "bn (roman)", "hi", "hi (native)", "hi (roman)"]:
        values = hits[key]
        print(f"  {key:<12} {sum(values) / len(values):6.1%}  ({sum(values)}/{len(values)})")
    print("\naccuracy by intent")
    for intent in nlu.INTENTS:
        values = per_intent[intent]
        print(f"  {intent:<20} {sum(values) / len(values):6.1%}  ({sum(values)}/{len(values)})")
    print("\nmisses (language, text, expected -> predicted, confidence)")
    for language, text, intent, predicted, confidence in misses:
        print(f"  {language}  {text!r}: {intent} -> {predicted} ({confidence:.2f})")


if __name__ == "__main__":
    main()
