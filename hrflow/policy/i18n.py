def gettext_noop(message: str) -> str:
    """Marks a message for extraction (makemessages knows this name) without translating it.

    The policy package has no Django import: the UI translates the message id at render time.
    """
    return message
