"""Make sure the chatbot's model file matches the shipped examples (run at deployment)."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from civicgate.chatbot import nlu


class Command(BaseCommand):
    help = (
        "Load the intent model from its file, training it (scikit-learn) and writing the file "
        "when it is missing or older than the examples; servers then load it in milliseconds."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        examples = nlu.training_examples()
        path = nlu.model_path(examples)
        started = time.perf_counter()
        model = nlu.load_or_train(examples, path)
        elapsed = time.perf_counter() - started
        how = "trained and saved" if model.pipeline is not None else "loaded"
        self.stdout.write(f"{how} {path} in {elapsed * 1000:.0f} ms")
