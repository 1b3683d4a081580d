"""The registry of flows: one module per flow, each registering itself here by its intent.

A new flow is a Flow subclass in a module of this package with @register on it, and the
module's name in FLOW_MODULES. The menu lists the registered flows that are available,
in menu_order.
"""

from importlib import import_module
from typing import TypeVar

from civicgate.chatbot.flows.base import Flow

FLOW_MODULES = ("handover", "gate_pass", "appointments", "services")

_REGISTRY: dict[str, Flow] = {}
F = TypeVar("F", bound=type[Flow])


def register(cls: F) -> F:
    flow = cls()
    if not flow.intent:
        raise ValueError(f"{cls.__name__} has no intent.")
    _REGISTRY[flow.intent] = flow
    return cls


def _load() -> None:
    if not _REGISTRY:
        for name in FLOW_MODULES:
            import_module(f"civicgate.chatbot.flows.{name}")


def get(intent: str) -> Flow | None:
    _load()
    flow = _REGISTRY.get(intent)
    return flow if flow is not None and flow.available() else None


def menu_flows() -> list[Flow]:
    _load()
    flows = [f for f in _REGISTRY.values() if f.menu_order is not None and f.available()]
    return sorted(flows, key=lambda f: f.menu_order or 0)
