"""Settings for benchmarks/chat_api.py: production settings without the per-client limit on
chat messages, since the load generator is one client sending hundreds per second, and with
the chatbot's model file in the benchmark's own folder (CHATBOT_MODEL_DIR).
"""

import os

from civicgate.settings import *  # noqa: F403

CHAT_RATE_LIMIT_PER_MINUTE = 10**9
CHATBOT_MODEL_DIR = os.environ.get("CHATBOT_MODEL_DIR") or None
