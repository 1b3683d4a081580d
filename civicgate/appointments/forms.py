"""Forms of the appointment pages: the citizen's booking, rating; the official's rules."""

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgate.appointments.models import Availability, WeeklyHours
from civicgate.org.models import Office, Official

SLOT_FORMAT = "%Y%m%dT%H%MZ"


def slot_param(start: datetime) -> str:
    """A slot's start as it travels in URLs and forms: UTC, minute precision."""
    from civicgate.appointments.selectors.slots import UTC

    return start.astimezone(UTC).strftime(SLOT_FORMAT)


def parse_slot(value: str) -> datetime | None:
    from civicgate.appointments.selectors.slots import UTC

    try:
        return datetime.strptime(value or "", SLOT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


class BookForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    purpose = forms.CharField(
        label=_("What is the meeting about?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that KMC keeps my name, mobile number and visit details as the privacy notice says."
        ),
        error_messages={"required": _("Agree to the privacy notice to book.")},
    )


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was the meeting?"),
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"), max_length=500, required=False
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = Availability
        fields = [
            "accepting",
            "booking_mode",
            "slot_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "capacity",
            "min_notice_minutes",
            "horizon_days",
            "max_per_day",
            "per_citizen_limit",
            "reschedule_limit",
            "cancel_notice_minutes",
            "pass_margin_before_minutes",
            "pass_margin_after_minutes",
        ]


WEEKDAYS: list[tuple[int, Any]] = [
    (int(number), label) for number, label in WeeklyHours._meta.get_field("weekday").choices or []
]


class HoursForm(forms.Form):
    """Working hours as text per weekday: "10:00-13:00, 14:00-17:00"; empty for a day off."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number, label in WEEKDAYS:
            self.fields[f"day{number}"] = forms.CharField(
                label=label, required=False, max_length=100
            )

    @staticmethod
    def initial_for(availability: Availability | None) -> dict[str, str]:
        out: dict[str, list[str]] = {}
        if availability is not None:
            for h in availability.hours.all():
                out.setdefault(f"day{h.weekday}", []).append(f"{h.start:%H:%M}-{h.end:%H:%M}")
        return {k: ", ".join(v) for k, v in out.items()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stretches: list[tuple[int, time, time]] = []
        for number, _label in WEEKDAYS:
            text = (data.get(f"day{number}") or "").strip()
            for part in filter(None, (p.strip() for p in text.split(","))):
                try:
                    a, b = (time.fromisoformat(x.strip()) for x in part.split("-"))
                except ValueError:
                    self.add_error(f"day{number}", _("Write hours like 10:00-13:00, 14:00-17:00."))
                    break
                if b <= a:
                    self.add_error(f"day{number}", _("Each stretch must end after it starts."))
                    break
                stretches.append((int(number), a, b))
        data["stretches"] = stretches
        return data


class LeaveForm(forms.Form):
    first_day = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    delegate = forms.ModelChoiceField(
        label=_("Delegate (receives new bookings)"),
        queryset=Official.objects.none(),
        required=False,
        to_field_name="code",
    )

    def __init__(self, *args: Any, official: Official, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["delegate"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Official.objects.filter(
                employee__office=official.employee.office, availability__isnull=False
            )
            .exclude(pk=official.pk)
            .select_related("employee")
        )


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=120)
    office = forms.ModelChoiceField(
        label=_("Office"),
        queryset=Office.objects.none(),
        required=False,
        empty_label=_("Every office"),
        to_field_name="code",
    )

    def __init__(self, *args: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["office"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = offices
