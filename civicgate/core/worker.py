"""Getting a server process ready before its first request (civicgate/wsgi.py).

- The URL configuration, and with it every view module, is imported now rather than by the
  first request.
- The tables reverse() looks names up in are built now, for every language and namespace:
  built by the first reverse() of each, they cost a process's first booking tens of
  milliseconds, spent while it holds SQLite's writer queue.
- The mobile number rules (phonenumbers compiles its patterns on first use) are loaded now.
- Everything loaded so far is moved out of the garbage collector's sight (gc.freeze): the
  objects of a loaded Django project live as long as the process, yet a full collection would
  walk all of them, pausing a request for tens of milliseconds every thousand or so requests.
- On SQLite, the thread that copies the write-ahead log back starts (core/checkpoints.py).
"""

import gc
from typing import Any

from django.conf import settings
from django.urls import get_resolver
from django.urls.resolvers import URLResolver, get_ns_resolver
from django.utils import translation

from civicgate.core import checkpoints
from civicgate.core.phone import normalize_mobile

# Any valid Indian mobile number: it only makes the rules load.
SAMPLE_MOBILE = "+919830000001"


def prepare() -> None:
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every view module
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            resolver.reverse_dict  # noqa: B018 - builds the tables
            _build_namespaces(resolver, "", {})
    normalize_mobile(SAMPLE_MOBILE)
    gc.collect()
    gc.freeze()
    checkpoints.start()


def _build_namespaces(resolver: URLResolver, prefix: str, converters: dict[str, Any]) -> None:
    # As reverse() reaches a namespaced name: through the resolver it makes for the
    # namespace's whole prefix (kept by get_ns_resolver).
    for extra, inner in resolver.namespace_dict.values():
        pattern = prefix + extra
        joined = {**converters, **inner.pattern.converters}
        get_ns_resolver(pattern, inner, tuple(joined.items())).reverse_dict  # noqa: B018
        _build_namespaces(inner, pattern, joined)
