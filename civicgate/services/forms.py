"""Forms of the staff screens and the citizen pages."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgate.org.models import Employee
from civicgate.services.importing import KINDS
from civicgate.services.models import Service
from civicgate.services.models.requests import BOROUGHS, WARDS
from civicgate.services.photos import MAX_UPLOAD_BYTES

ROMAN = [
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
]


class PhotoInput(forms.ClearableFileInput):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={
                "accept": "image/jpeg,image/png,image/webp",
                "capture": "environment",
                **(attrs or {}),
            }
        )


def _photo_field(label: Any, required: bool = False) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=required,
        widget=PhotoInput(),
        help_text=_("JPEG, PNG or WebP, up to %(mb)s MB.")
        % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )


def _checked_upload(upload: Any) -> Any:
    """Refuse an oversized file before its bytes are read into memory."""
    if upload and upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            _("The photo is larger than %(mb)s MB. Take it again at a lower size.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    return upload


class RequestForm(forms.Form):
    """A citizen's complaint or application; the service's own questions are added per service."""

    description = forms.CharField(
        label=_("What is the problem?"),
        min_length=5,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    ward = forms.TypedChoiceField(
        label=_("Ward"),
        coerce=int,
        choices=[("", _("Choose the ward"))] + [(n, str(n)) for n in range(1, WARDS + 1)],
    )
    borough = forms.TypedChoiceField(
        label=_("Borough (if you know it)"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("Not sure"))] + [(n, ROMAN[n - 1]) for n in range(1, BOROUGHS + 1)],
    )
    address = forms.CharField(label=_("Address or landmark"), max_length=300, required=False)
    latitude = forms.DecimalField(
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        widget=forms.HiddenInput,
    )
    longitude = forms.DecimalField(
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        widget=forms.HiddenInput,
    )
    photo = _photo_field(_("Photo"))

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service = service
        self.detail_keys = []
        for item in service.detail_fields():
            name = f"detail_{item['key']}"
            self.fields[name] = forms.CharField(
                label=item["label"], required=item["required"], max_length=200
            )
            self.detail_keys.append((name, item["key"]))
        if not service.accepts_photos:
            del self.fields["photo"]

    def clean_photo(self) -> Any:
        return _checked_upload(self.cleaned_data.get("photo"))

    def details(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(name) or "" for name, key in self.detail_keys}

    def detail_fields(self) -> list[Any]:
        return [self[name] for name, _key in self.detail_keys]


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment (optional)"), max_length=500, required=False)


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Tracking number"), max_length=30)


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=30)


class AssignForm(forms.Form):
    employee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=Employee.objects.none(), to_field_name="code"
    )
    visit_on = forms.DateField(
        label=_("Field visit on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note to the citizen (optional)"), max_length=2000, required=False
    )

    def __init__(self, *args: Any, employees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = employees  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.BooleanField(label=_("Send to the citizen"), required=False)


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done (sent to the citizen)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    after_photo = _photo_field(_("Photo after the work"))

    def clean_after_photo(self) -> Any:
        return _checked_upload(self.cleaned_data.get("after_photo"))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Records"), choices=[(k.key, k.label) for k in KINDS.values()])
    file = forms.FileField(label=_("CSV or XLSX file"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices  # type: ignore[attr-defined]
