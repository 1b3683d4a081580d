"""The chatbot's intent classifier: held-out accuracy per language and per intent, the time
to train it when a process starts, the time to understand one message, and its memory.

.venv/bin/python benchmarks/chatbot_accuracy.py [--repeat 2000]

The held-out examples (civicgate/chatbot/nlu/data/heldout_*.tsv) are never used for training.
Bengali and Hindi include romanised examples ("jol asche na"); their accuracy is also shown
by script. Targets (issue 6): at least 90% overall and 85% in each language; model load
under 1 s.
"""

import argparse
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    print(f"model training at start-up: {trained - imported:.2f} s")
    print(f"memory (max RSS) before/after: {before:.0f} / {after:.0f} MiB")
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
