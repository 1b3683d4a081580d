"""The audit search filters."""

import datetime
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgate.accounts.access import offices_for
from civicgate.audit.models import AuditRecord


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditSearchForm(forms.Form):
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=80,
        help_text=_("e.g. accounts.login or accounts."),
    )
    actor = forms.CharField(label=_("Actor"), required=False, max_length=200)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=80)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    office = forms.ChoiceField(label=_("Office"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        office_field: Any = self.fields["office"]
        office_field.choices = [("", _("All my offices"))] + [
            (o.code, f"{o.name} ({o.code})") for o in offices_for(user).only("code", "name")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter(self, records: QuerySet[AuditRecord]) -> QuerySet[AuditRecord]:
        data = self.cleaned_data
        if data.get("action"):
            records = records.filter(action__startswith=data["action"].strip())
        if data.get("actor"):
            actor = data["actor"].strip()
            records = records.filter(Q(actor_label__istartswith=actor) | Q(actor_id=actor))
        if data.get("object_type"):
            records = records.filter(object_type=data["object_type"].strip().lower())
        if data.get("object_id"):
            records = records.filter(object_id=data["object_id"].strip())
        if data.get("office"):
            records = records.filter(office_code=data["office"])
        if data.get("date_from"):
            records = records.filter(at__gte=_day_start(data["date_from"]))
        if data.get("date_to"):
            records = records.filter(
                at__lt=_day_start(data["date_to"] + datetime.timedelta(days=1))
            )
        return records

    def used_filters(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.cleaned_data.items() if value}
