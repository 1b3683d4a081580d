"""WSGI entry point (granian civicgate.wsgi:application through deploy/serve; runserver
through WSGI_APPLICATION). Each server process imports it once, before its first request."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgate.settings")
django.setup(set_prefix=False)

from civicgate.core import worker  # noqa: E402
from civicgate.core.handlers import RoutingApplication  # noqa: E402

application = RoutingApplication()
worker.prepare()
