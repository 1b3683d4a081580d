"""A pass as pictures and paper: the QR code (SVG, PNG) and the printable slip (PDF).

The slip is drawn with ReportLab's built-in Latin fonts, which cannot shape Bengali or
Devanagari. A name in those scripts is drawn as a picture shaped by Pillow (with libraqm and a
Noto or Lohit font on the server); where that is not possible the slip prints the visitor's
reference instead. The pass code and the QR code are always printed.
"""

import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from PIL import Image, ImageDraw, ImageFont, features
from reportlab.lib.pagesizes import A6, mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from civicgate.passes.models import GatePass

SLIP_SIZES: dict[str, tuple[float, float]] = {"a6": A6, "80mm": (80 * mm, 140 * mm)}
QR_BORDER = 4
WINDOW_FORMAT = "%d-%m-%Y %H:%M"
# Shaping fonts for names the built-in PDF fonts cannot draw, by Unicode block.
SCRIPT_FONTS: dict[tuple[int, int], tuple[str, ...]] = {
    (0x0980, 0x09FF): (
        "/usr/share/fonts/truetype/noto/NotoSansBengali-Regular.ttf",
        "/usr/share/fonts/truetype/lohit-bengali/Lohit-Bengali.ttf",
    ),
    (0x0900, 0x097F): (
        "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf",
        "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf",
    ),
}


def qr_code(token: str) -> segno.QRCode:
    return segno.make_qr(token, error="m")


def qr_svg_inline(token: str, title: str = "") -> str:
    """The QR as an inline <svg> that scales to its box (no fixed size)."""
    return str(qr_code(token).svg_inline(scale=1, border=QR_BORDER, omitsize=True, title=title))


def qr_svg(token: str) -> bytes:
    out = io.BytesIO()
    qr_code(token).save(out, kind="svg", scale=10, border=QR_BORDER)
    return out.getvalue()


def qr_png(token: str) -> bytes:
    out = io.BytesIO()
    qr_code(token).save(out, kind="png", scale=10, border=QR_BORDER)
    return out.getvalue()


def window_text(valid_from: datetime, valid_until: datetime) -> str:
    start = timezone.localtime(valid_from)
    end = timezone.localtime(valid_until)
    end_text = end.strftime("%H:%M" if end.date() == start.date() else WINDOW_FORMAT)
    return f"{start.strftime(WINDOW_FORMAT)} - {end_text}"


def host_text(gate_pass: GatePass) -> str:
    if gate_pass.host_official is not None:
        official = gate_pass.host_official
        room = f", {_('room')} {official.room}" if official.room else ""
        return f"{official.employee.name}, {official.title}{room}"
    return str(gate_pass.host_department or "")


def _latin(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=8)
def _font_for(first_char: str) -> str | None:
    point = ord(first_char)
    for (low, high), paths in SCRIPT_FONTS.items():
        if low <= point <= high:
            return next((p for p in paths if Path(p).is_file()), None)
    return None


def shaped_name(text: str, pixels: int = 96) -> Image.Image | None:
    """text drawn in its own script, correctly shaped, or None where that cannot be done."""
    if not features.check("raqm"):
        return None
    script_char = next((ch for ch in text if ord(ch) > 0x2FF), None)
    path = _font_for(script_char) if script_char else None
    if path is None:
        return None
    font = ImageFont.truetype(path, pixels, layout_engine=ImageFont.Layout.RAQM)
    left, top, right, bottom = (round(v) for v in font.getbbox(text))
    image = Image.new("L", (right - left + 8, bottom - top + 8), 255)
    ImageDraw.Draw(image).text((4 - left, 4 - top), text, font=font, fill=0)
    return image


@dataclass
class _Cursor:
    canvas: Canvas
    width: float
    y: float
    margin: float

    def line(self, text: str, font: str = "Helvetica", size: float = 9, gap: float = 2) -> None:
        for part in simpleSplit(text, font, size, self.width - 2 * self.margin) or [""]:
            self.y -= size
            self.canvas.setFont(font, size)
            self.canvas.drawCentredString(self.width / 2, self.y, part)
            self.y -= gap

    def image(self, image: Image.Image, height: float) -> None:
        width = min(image.width * height / image.height, self.width - 2 * self.margin)
        height = image.height * width / image.width
        self.y -= height
        self.canvas.drawImage(
            ImageReader(image), (self.width - width) / 2, self.y, width=width, height=height
        )
        self.y -= 3

    def qr(self, token: str, side: float) -> None:
        matrix = qr_code(token).matrix
        modules = len(matrix) + 2 * QR_BORDER
        unit = side / modules
        left = (self.width - side) / 2
        top = self.y
        self.canvas.setFillGray(0)
        for row, cells in enumerate(matrix):
            y = top - (row + QR_BORDER + 1) * unit
            col = 0
            while col < len(cells):
                if not cells[col]:
                    col += 1
                    continue
                run = col
                while run < len(cells) and cells[run]:
                    run += 1
                x = left + (col + QR_BORDER) * unit
                self.canvas.rect(x, y, (run - col) * unit, unit, stroke=0, fill=1)
                col = run
        self.y -= side + 2


def _name(cursor: _Cursor, gate_pass: GatePass, size: float) -> None:
    name = gate_pass.visitor.name
    if _latin(name):
        cursor.line(name, "Helvetica-Bold", size)
        return
    image = shaped_name(name)
    if image is not None:
        cursor.image(image, size * 1.5)
    else:
        cursor.line(
            _("Visitor %(code)s") % {"code": gate_pass.visitor.code}, "Helvetica-Bold", size
        )


def _printable(text: str) -> str:
    return text if _latin(text) else text.encode("cp1252", "replace").decode("cp1252")


def pass_slip_pdf(gate_pass: GatePass, size: str = "a6") -> bytes:
    """The printable slip: who, the QR, the code, where, whom, when. In English, whose letters
    the built-in fonts have; the gate reads the QR and the code."""
    width, height = SLIP_SIZES[size]
    narrow = size == "80mm"
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), pageCompression=0)
    canvas.setTitle(f"KMC gate pass {gate_pass.code}")
    canvas.setAuthor("Kolkata Municipal Corporation")
    cursor = _Cursor(canvas, width, height - 10 * mm / (2 if narrow else 1), 6 * mm)
    with override("en"):
        cursor.line(_("KOLKATA MUNICIPAL CORPORATION"), "Helvetica-Bold", 8)
        cursor.line(_("VISITOR GATE PASS"), "Helvetica-Bold", 11, gap=6)
        _name(cursor, gate_pass, 13)
        cursor.qr(gate_pass.token, min(width - 2 * cursor.margin, 52 * mm))
        cursor.line(gate_pass.code, "Courier-Bold", 18, gap=6)
        office = gate_pass.office
        cursor.line(_printable(office.name), "Helvetica-Bold", 9)
        if office.address:
            cursor.line(_printable(office.address), "Helvetica", 8)
        cursor.line(
            _("Host: %(host)s") % {"host": _printable(host_text(gate_pass))}, "Helvetica", 9
        )
        cursor.line(
            _("Valid: %(window)s IST")
            % {"window": window_text(gate_pass.valid_from, gate_pass.valid_until)},
            "Helvetica-Bold",
            9,
        )
        cursor.line(str(gate_pass.get_kind_display()), "Helvetica", 8)
        cursor.line(_("Carry a photo identity document."), "Helvetica-Oblique", 7)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
