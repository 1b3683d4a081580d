"""How the devices screens show last-seen times and clock drift."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def seen(value: datetime | None) -> str:
    """None -> "never"; under a minute -> "just now"; else "2 minutes ago"."""
    if value is None:
        return _("never")
    if (timezone.now() - value).total_seconds() < 60:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(value, depth=1).replace("\xa0", " ")}


@register.filter
def drift(value: float | None) -> str:
    """Clock drift with its sign: "+95.5 s", "-30 s", "+2.5 h"; "—" when never measured."""
    if value is None:
        return "—"
    if abs(value) >= 3600:
        return _("%(hours)s h") % {"hours": _signed(value / 3600)}
    return _("%(seconds)s s") % {"seconds": _signed(value)}


def _signed(number: float) -> str:
    text = f"{number:+.1f}"
    return text.removesuffix(".0")
