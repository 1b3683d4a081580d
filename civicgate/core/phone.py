"""Indian mobile numbers: the citizen's identity and how staff are reached."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_mobile(raw: str) -> str:
    """Return an Indian mobile number in E.164 (+91XXXXXXXXXX) or raise ValidationError."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a mobile number."), code="required")
    try:
        number = phonenumbers.parse(text, "IN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid 10-digit mobile number."), code="invalid") from None
    if (
        number.country_code != 91
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number)
        not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
    ):
        raise ValidationError(_("Enter a valid 10-digit mobile number."), code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_mobile(e164: str) -> str:
    """+919830012345 -> +91 ******2345, for screens that need not show the whole number."""
    if not e164:
        return ""
    return f"{e164[:3]} ******{e164[-4:]}"
