from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicgate.core"
    label = "core"
