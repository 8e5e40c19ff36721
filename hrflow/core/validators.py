"""Rules for a person's name and phone number, the same wherever they are entered: the public
application form, the xlsx import, and HR's staff forms. Each returns a message in the reader's
language, or None when the value is acceptable."""

import re
import unicodedata

from django.utils.translation import gettext as _

NAME_MAX = 100
PHONE_MAX = 32
# Letters of every script, combining marks, and the separators real names use: the middle dot
# of transcribed minority names (买买提·艾力), a space, a hyphen, an apostrophe, a full stop.
# 〇 (U+3007) is a number letter (Nl), not a letter (L), yet it is written in Chinese names.
NAME_SEPARATORS = set(" ·•・.-'’〇")

# Mobile: 1[3-9] and 9 digits. Landline: area code 0 + 2-3 digits and a 7-8 digit number, or
# the local number alone. With +86 / 0086 the area code drops its leading 0.
_MOBILE = r"1[3-9]\d{9}"
_NATIONAL = re.compile(rf"{_MOBILE}|0\d{{2,3}}[2-9]\d{{6,7}}|[2-9]\d{{6,7}}")
_INTERNATIONAL = re.compile(rf"{_MOBILE}|[1-9]\d{{1,2}}[2-9]\d{{6,7}}")
_PHONE_CHARACTERS = re.compile(r"[0-9+\- ()]+")


# Letters by Unicode's count that print as nothing: the Hangul fillers.
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}
# Combining marks stacked on one letter beyond this are no script's spelling.
MAX_MARKS_PER_LETTER = 2


def _variation_selector(ch: str) -> bool:
    code = ord(ch)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


# Printable ASCII and the CJK Unified Ideographs: nearly every name and title, checked in C.
_PLAIN_TEXT = re.compile("[\x20-\x7e\u4e00-\u9fff]*")
_IDEOGRAPH_NAME = re.compile("[\u4e00-\u9fff]{1,%d}" % NAME_MAX)


def invisible(text: str) -> bool:
    # Control (Cc), format (Cf: zero-width, bidi overrides) and surrogate (Cs) characters,
    # blank letters and variation selectors make a text that prints as another.
    if _PLAIN_TEXT.fullmatch(text):
        return False
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") or ch in _BLANK_LETTERS or _variation_selector(ch) for ch in text)


def text_problem(text: str) -> str | None:
    """Titles and other free text that ends up in lists and spreadsheets."""
    if invisible(text):
        return _("The text contains control or invisible characters.")
    if text[:1] in ("=", "+", "-", "@"):
        return _("The text may not begin with = + - or @ (a spreadsheet would read a formula).")
    return None


def _letterlike(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "L" or ch == "〇"


def name_problem(name: str) -> str | None:
    if _IDEOGRAPH_NAME.fullmatch(name):  # letters only (Lo), as the checks below would find
        return None
    if not name:
        return _("The name is missing.")
    if len(name) > NAME_MAX:
        return _("The name has %(length)d characters; at most %(max)d are allowed.") % {"length": len(name), "max": NAME_MAX}
    if invisible(name) or any(ch.isspace() and ch != " " for ch in name):
        return _("The name contains control or invisible characters.")
    marks = 0
    for ch in name:
        marks = marks + 1 if unicodedata.category(ch)[0] == "M" else 0
        if marks > MAX_MARKS_PER_LETTER:
            return _("The name contains control or invisible characters.")
    if (
        any(not (unicodedata.category(ch)[0] in "LM" or ch in NAME_SEPARATORS) for ch in name)
        or not _letterlike(name[0])
        or not (_letterlike(name[-1]) or unicodedata.category(name[-1])[0] == "M")
    ):
        # Digits, emoji, formulas (=1+1) and symbols are no part of a name on an ID card.
        return _("The name may hold letters only (and · - ' for compound names), as on the ID card.")
    return None


_PHONE_PUNCTUATION = re.compile(r"[\- ()]")


def phone_is_plausible(text: str) -> bool:
    if not _PHONE_CHARACTERS.fullmatch(text):
        return False
    digits = _PHONE_PUNCTUATION.sub("", text)
    if digits.startswith("+86"):
        return bool(_INTERNATIONAL.fullmatch(digits[3:]))
    if digits.startswith("0086"):
        return bool(_INTERNATIONAL.fullmatch(digits[4:]))
    return "+" not in digits and bool(_NATIONAL.fullmatch(digits))


def phone_problem(phone: str) -> str | None:
    if len(phone) > PHONE_MAX:
        return _("The phone number has %(length)d characters; at most %(max)d are allowed.") % {"length": len(phone), "max": PHONE_MAX}
    if not phone_is_plausible(phone):
        return _("“%(value)s” is not a phone number: write an 11-digit mobile number starting with 13 to 19, or a "
                 "landline number of 7 or 8 digits with or without its area code (e.g. 028-86123456); +86 may "
                 "precede either.") % {"value": phone}
    return None


def policy_message(error) -> str:
    """A hrflow.policy PolicyInputError in the reader's language (its template, then its params)."""
    text = _(error.template)
    return text % error.params if error.params else text
