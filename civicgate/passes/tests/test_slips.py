"""The printable slip: an A6 sheet or an 80 mm thermal receipt with the QR and the pass code."""

import re
import zlib
from collections.abc import Callable

import pytest
from django.test import Client
from reportlab.lib.pagesizes import A6, mm

from civicgate.passes import rendering
from civicgate.passes.models import GatePass
from civicgate.passes.tests.test_citizen_support import (
    _fresh_cache,
    citizen,
    citizen_client,
    engineer,
    make_web_pass,
)

# Fixtures shared with the other citizen pass tests; pytest finds them by name in this module.
SHARED_FIXTURES = (_fresh_cache, citizen, citizen_client, engineer, make_web_pass)

pytestmark = pytest.mark.django_db
MakePass = Callable[..., GatePass]


def media_box(pdf: bytes) -> tuple[float, float]:
    found = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert found, "no page size in the PDF"
    return float(found.group(1)), float(found.group(2))


def page_text(pdf: bytes) -> str:
    """The text drawn on the page (uncompressed content stream, or Flate-compressed)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    text = b""
    for stream in streams:
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            text += stream
    return text.decode("latin-1")


@pytest.mark.parametrize(
    ("size", "expected"),
    [("a6", A6), ("80mm", (80 * mm, 140 * mm))],
)
def test_the_slip_is_a_pdf_of_the_chosen_paper_size(
    citizen_client: Client, make_web_pass: MakePass, size: str, expected: tuple[float, float]
) -> None:
    gate_pass = make_web_pass()

    response = citizen_client.get(f"/passes/p/{gate_pass.code}/slip.pdf", {"size": size})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    width, height = media_box(response.content)
    assert width == pytest.approx(expected[0], abs=0.01)
    assert height == pytest.approx(expected[1], abs=0.01)


def test_an_unknown_size_gives_the_a6_slip(citizen_client: Client, make_web_pass: MakePass) -> None:
    gate_pass = make_web_pass()

    response = citizen_client.get(f"/passes/p/{gate_pass.code}/slip.pdf", {"size": "legal"})

    assert media_box(response.content) == pytest.approx(A6, abs=0.01)


def test_the_slip_prints_the_name_code_office_host_and_window(make_web_pass: MakePass) -> None:
    gate_pass = make_web_pass(name="Anita Sen")

    text = page_text(rendering.pass_slip_pdf(gate_pass, "80mm"))

    assert "Anita Sen" in text
    assert gate_pass.code in text
    assert "KMC Headquarters" in text
    assert "Sudipta Roy, Executive Engineer" in text
    assert rendering.window_text(gate_pass.valid_from, gate_pass.valid_until) in text


def test_the_slip_draws_the_qr_code_of_the_token(make_web_pass: MakePass) -> None:
    gate_pass = make_web_pass()
    dark_modules = sum(
        sum(1 for cell in row if cell) for row in rendering.qr_code(gate_pass.token).matrix
    )

    text = page_text(rendering.pass_slip_pdf(gate_pass, "a6"))

    rectangles = len(re.findall(r" re\b", text))
    # Runs of dark modules in a row are drawn as one rectangle: fewer rectangles than modules.
    assert 0 < rectangles <= dark_modules


def test_a_bengali_name_is_drawn_as_a_shaped_picture_and_the_code_is_still_printed(
    make_web_pass: MakePass,
) -> None:
    gate_pass = make_web_pass(name="অনিতা সেন")

    pdf = rendering.pass_slip_pdf(gate_pass, "a6")

    text = page_text(pdf)
    assert gate_pass.code in text
    if rendering.shaped_name("অনিতা সেন") is not None:
        assert b"/Subtype /Image" in pdf
    else:
        assert f"Visitor {gate_pass.visitor.code}" in text


def test_without_a_shaping_font_a_hindi_name_falls_back_to_the_visitor_reference(
    make_web_pass: MakePass, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate_pass = make_web_pass(name="अनीता सेन")
    monkeypatch.setattr(rendering, "SCRIPT_FONTS", {})
    rendering._font_for.cache_clear()

    text = page_text(rendering.pass_slip_pdf(gate_pass, "a6"))

    rendering._font_for.cache_clear()
    assert f"Visitor {gate_pass.visitor.code}" in text
    assert gate_pass.code in text
