"""Return addresses (``next=``) judged as a browser will read them."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

# What a browser does to a URL before reading it (WHATWG URL): leading and trailing C0 controls and
# spaces go, tabs and newlines anywhere go, and a backslash is a slash.
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def safe_next(target: str | None, fallback: str) -> str:
    """A return address only if a browser would read it as a path on this site; else ``fallback``.

    Judged as the browser will parse it: "/\t/evil.example" is "//evil.example" to a browser
    (another host), so it is refused; what is returned is the address as the browser reads it.
    """
    if not target:
        return fallback
    seen = _TAB_OR_NEWLINE.sub("", target.strip(_C0_AND_SPACE)).replace("\\", "/")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in seen):
        return fallback
    parts = urlsplit(seen)
    if parts.scheme or parts.netloc or not seen.startswith("/") or seen.startswith("//"):
        return fallback
    return seen

