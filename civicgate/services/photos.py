"""Checking and cleaning uploaded photos before they are stored.

A photo is accepted only if Pillow reads it as a JPEG, PNG or WebP image within the size and
pixel limits. It is then re-encoded as a JPEG from its pixels alone: EXIF (with GPS position
and camera serial), comments and anything hidden after the image are dropped, and the image
is turned upright and scaled down to at most MAX_SIDE pixels.
"""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
QUALITY = 82


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


def clean_photo(data: bytes) -> CleanPhoto:
    """The re-encoded JPEG of an uploaded photo, or ValidationError saying what is wrong."""
    if not data:
        raise ValidationError(_("The photo is empty."), code="empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The photo is larger than %(mb)s MB. Take it again at a lower size.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="too_big",
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Only JPEG, PNG and WebP photos are accepted."), code="type"
                )
            if width * height > MAX_PIXELS:
                raise ValidationError(_("The photo has too many pixels."), code="pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened) or opened
            pixels = upright.convert("RGB")
            pixels.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            # No exif= and no icc_profile=: only the pixels are written out.
            pixels.save(out, format="JPEG", quality=QUALITY, optimize=True)
            return CleanPhoto(out.getvalue(), pixels.width, pixels.height)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not a photo we can read. Upload a JPEG, PNG or WebP image."),
            code="unreadable",
        ) from None
