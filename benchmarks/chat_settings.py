"""Settings for benchmarks/chat_api.py: production settings without the per-client limit on
chat messages, since the load generator is one client sending hundreds per second."""

from civicgate.settings import *  # noqa: F403

CHAT_RATE_LIMIT_PER_MINUTE = 10**9
