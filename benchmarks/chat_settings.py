"""Settings for benchmarks/chat_api.py: production settings without the per-client limit on
chat messages, since the load generator is one client sending hundreds per second, and with
the chatbot's model file in the benchmark's own folder (CHATBOT_MODEL_DIR).

CHAT_SHORT_CHAIN=1 (chat_api.py --short-chain) measures the short middleware chain proposed
for POST /api/v1/chat/messages (security, session, locale: civicgate/core/handlers.py) by
serving it the way device endpoints are served; production settings do not do this yet.
"""

import os

from civicgate.settings import *  # noqa: F403

CHAT_RATE_LIMIT_PER_MINUTE = 10**9
CHATBOT_MODEL_DIR = os.environ.get("CHATBOT_MODEL_DIR") or None

if os.environ.get("CHAT_SHORT_CHAIN") == "1":
    DEVICE_API_PATHS = ["/api/v1/chat/messages"]
    DEVICE_API_MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.locale.LocaleMiddleware",
    ]
