"""WSGI entry point (gunicorn civicgate.wsgi, runserver through WSGI_APPLICATION)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgate.settings")
django.setup(set_prefix=False)

from civicgate.core.handlers import RoutingApplication  # noqa: E402

application = RoutingApplication()
