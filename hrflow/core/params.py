"""Parsing what a URL or a form hands over by hand, where no Django form field does it."""

MAX_ID_DIGITS = 18  # a BigAutoField fits in 19 digits; 18 keep every value inside it


def object_id(value) -> int | None:
    """A primary key from a query or POST parameter, or None for anything else ("0.04", "-1",
    "１２", 25 digits): never a ValueError or an integer the database cannot hold."""
    text = value if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= MAX_ID_DIGITS):
        return None
    return int(text)
