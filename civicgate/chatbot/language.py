"""Languages of the conversation: English, Bengali and Hindi, in their scripts or romanised."""

import re
import unicodedata

LANGUAGES = ("en", "bn", "hi")
# The names people type to pick a language, in any script.
LANGUAGE_WORDS = {
    "en": {"english", "eng", "ingreji", "angrezi", "angreji", "ইংরেজি", "অংরেজি", "अंग्रेज़ी", "अंग्रेजी"},
    "bn": {"bangla", "bengali", "bangali", "bengla", "বাংলা", "বাঙলা", "बांग्ला", "बंगाली"},
    "hi": {"hindi", "hindee", "হিন্দি", "हिंदी", "हिन्दी"},
}
# Shown in the language picker: each in its own script.
NATIVE_NAMES = {"en": "English", "bn": "বাংলা", "hi": "हिन्दी"}

_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯०१२३४५६७८९", "01234567890123456789")
_BENGALI = re.compile(r"[\u0980-\u09FF]")
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_SPACES = re.compile(r"\s+")


def ascii_digits(text: str) -> str:
    """Bengali and Devanagari digits as 0-9; everything else unchanged."""
    return (text or "").translate(_DIGITS)


def normalise(text: str) -> str:
    """The form understanding works on: NFC, ASCII digits, lower case, single spaces."""
    text = unicodedata.normalize("NFC", ascii_digits(text))
    return _SPACES.sub(" ", text).strip().lower()


def script_language(text: str) -> str | None:
    """bn for Bengali script, hi for Devanagari, None for Latin (English or romanised)."""
    if _BENGALI.search(text or ""):
        return "bn"
    if _DEVANAGARI.search(text or ""):
        return "hi"
    return None


def named_language(text: str) -> str | None:
    """The language a message names on its own ("bangla", "हिंदी"), else None."""
    words = normalise(text).strip(" .!")
    for code, names in LANGUAGE_WORDS.items():
        if words in names:
            return code
    return None


def parse_number(text: str) -> int | None:
    """A whole number in any of the three scripts ("২", "३", " 12 "), else None."""
    digits = ascii_digits(text or "").strip().rstrip(".)")
    if digits.isascii() and digits.isdigit() and len(digits) <= 6:
        return int(digits)
    return None
