"""Text from archived pages, made harmless for a terminal.

Page titles, snippets and diffs are written by strangers. Printed raw, an escape sequence
in them is obeyed by the terminal: OSC 52 writes the clipboard, others retitle the window,
hide text or move the cursor over what was printed before. When ``sourcekeeper`` prints to
a terminal, every C0 control (but newline and tab), DEL and every C1 control is replaced by
U+FFFD, so that it is seen and never acted on; a pipe or a file gets the text as archived.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with the controls a terminal would act on replaced by U+FFFD."""
    return _CONTROLS.sub("\ufffd", text)
