"""Forms of the passes app: a citizen's pass request and an official's rejection reason."""

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgate.org.models import Department, Office, Official

# A form opened a few minutes ago still says "now" in its start box.
START_GRACE = timedelta(minutes=15)
DEFAULT_HOURS = 4
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
OFFICIAL_PREFIX = "official:"
DEPARTMENT_PREFIX = "department:"


def officials_of(office: Office | None) -> QuerySet[Official]:
    """Officials of office who receive visitors."""
    if office is None:
        return Official.objects.none()
    return (
        Official.objects.filter(
            accepts_visitors=True, employee__office=office, employee__active=True
        )
        .select_related("employee__department")
        .order_by("employee__name")
    )


def departments_of(office: Office | None) -> QuerySet[Department]:
    """Active departments with staff in office: a visitor may ask for the department itself."""
    if office is None:
        return Department.objects.none()
    return (
        Department.objects.filter(active=True, employees__office=office, employees__active=True)
        .distinct()
        .order_by("name")
    )


def host_choices(office: Office | None) -> list[tuple[str, Any]]:
    officials = [
        (f"{OFFICIAL_PREFIX}{o.code}", f"{o.employee.name}, {o.title} ({o.employee.department})")
        for o in officials_of(office)
    ]
    departments = [(f"{DEPARTMENT_PREFIX}{d.code}", d.name) for d in departments_of(office)]
    choices: list[tuple[str, Any]] = [("", _("Choose whom you are visiting"))]
    if officials:
        choices.append((_("Officials"), officials))
    if departments:
        choices.append((_("Departments"), departments))
    return choices


def _local_minute(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(second=0, microsecond=0)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=_DATETIME_FORMAT)


class PassRequestForm(forms.Form):
    """What a signed-in citizen asks for: where, whom, when, why, and under what name."""

    office = forms.ModelChoiceField(
        label=gettext_lazy("Office"),
        queryset=Office.objects.filter(active=True).order_by("code"),
        empty_label=gettext_lazy("Choose an office"),
        to_field_name="code",
    )
    # The choices depend on the office; clean() checks the value against the office itself, so
    # an official of another office is told apart from a value that means nothing.
    host = forms.CharField(
        label=gettext_lazy("Whom are you visiting?"),
        widget=forms.Select(),
        error_messages={
            "required": gettext_lazy("Choose the official or the department to visit.")
        },
        help_text=gettext_lazy("An official, or the department if you do not know whom to meet."),
    )
    valid_from = forms.DateTimeField(label=gettext_lazy("From"), widget=DateTimeLocalInput())
    valid_until = forms.DateTimeField(label=gettext_lazy("Until"), widget=DateTimeLocalInput())
    purpose = forms.CharField(
        label=gettext_lazy("Purpose of the visit"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. new water connection")}),
    )
    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=200,
        help_text=gettext_lazy("As on the identity document you will carry."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    consent = forms.BooleanField(
        label=gettext_lazy("I have read the privacy notice and agree to it."),
        error_messages={"required": gettext_lazy("Agree to the privacy notice to get a pass.")},
    )

    def __init__(self, *args: Any, office: Office | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if office is None and self.is_bound:
            office = self._office_from_data()
        self.fields["host"].widget.choices = host_choices(office)
        self.office_chosen = office
        if not self.is_bound:
            now = _local_minute(timezone.now())
            self.initial.setdefault("valid_from", now)
            self.initial.setdefault("valid_until", now + timedelta(hours=DEFAULT_HOURS))
        self.fields["office"].widget.attrs["data-testid"] = "office"

    def _office_from_data(self) -> Office | None:
        code = str(self.data.get(self.add_prefix("office")) or "")
        return Office.objects.filter(code=code, active=True).first() if code else None

    def _host(self, office: Office, value: str) -> tuple[Official | None, Department | None]:
        if value.startswith(OFFICIAL_PREFIX):
            official = (
                Official.objects.select_related("employee__office", "employee__department")
                .filter(code=value.removeprefix(OFFICIAL_PREFIX))
                .first()
            )
            if official is None or not official.accepts_visitors or not official.employee.active:
                self.add_error("host", _("That official is not receiving visitors."))
                return None, None
            if official.employee.office_id != office.pk:
                self.add_error("host", _("That official does not sit in this office."))
                return None, None
            return official, None
        if value.startswith(DEPARTMENT_PREFIX):
            department = departments_of(office).filter(code=value.removeprefix(DEPARTMENT_PREFIX))
            if not department:
                self.add_error("host", _("That department does not receive visitors here."))
                return None, None
            return None, department[0]
        self.add_error("host", _("Choose the official or the department to visit."))
        return None, None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        office: Office | None = data.get("office")
        host = data.get("host")
        data["host_official"] = data["host_department"] = None
        if office is not None and host:
            data["host_official"], data["host_department"] = self._host(office, host)
        start: datetime | None = data.get("valid_from")
        end: datetime | None = data.get("valid_until")
        now = timezone.now()
        max_days = settings.PASS_MAX_DAYS
        if start is not None and start < now - START_GRACE:
            self.add_error("valid_from", _("The visit cannot start in the past."))
        elif start is not None and start > now + timedelta(days=max_days):
            self.add_error(
                "valid_from",
                _("You can ask for a pass at most %(days)s days ahead.") % {"days": max_days},
            )
        if start is not None and end is not None:
            if end <= start:
                self.add_error("valid_until", _("The visit must end after it starts."))
            elif end - start > timedelta(days=max_days):
                self.add_error(
                    "valid_until",
                    _("A pass can cover at most %(days)s days.") % {"days": max_days},
                )
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy("The visitor is told that the request was not approved."),
        error_messages={"required": gettext_lazy("Say why the visit is not approved.")},
    )
