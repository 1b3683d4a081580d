"""Getting a server process ready before its first request (civicgate/wsgi.py).

- The URL configuration, and with it every view module, is imported now rather than by the
  first request.
- Everything loaded so far is moved out of the garbage collector's sight (gc.freeze): the
  objects of a loaded Django project live as long as the process, yet a full collection would
  walk all of them, pausing a request for tens of milliseconds every thousand or so requests.
"""

import gc

from django.urls import get_resolver


def prepare() -> None:
    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.collect()
    gc.freeze()
