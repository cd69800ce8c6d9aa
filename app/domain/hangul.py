"""Korean-aware title matching: substrings, and initial consonants (초성) for Hangul syllables.

Typing "환불" or "ㅎㅂ" finds "환불 접수 안내": each character of the query matches the same
character of the title (case-insensitively), and a consonant jamo also matches any
syllable that starts with it. Spaces are ignored on both sides.
"""
from __future__ import annotations

import unicodedata

# The 19 initial consonants in syllable order, as compatibility jamo (what keyboards type).
INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_SYLLABLE_FIRST, _SYLLABLE_LAST = 0xAC00, 0xD7A3
_PER_INITIAL = 21 * 28
# Conjoining initial jamo U+1100–U+1112 map to the same compatibility consonants.
_CONJOINING = {chr(0x1100 + i): ch for i, ch in enumerate(INITIALS)}
MAX_QUERY = 100


def initial(ch: str) -> str | None:
    """The initial consonant of a Hangul syllable, else None."""
    code = ord(ch)
    if _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST:
        return INITIALS[(code - _SYLLABLE_FIRST) // _PER_INITIAL]
    return None


def initials(text: str) -> str:
    """Each syllable replaced by its initial consonant, other characters kept: "환불 안내" → "ㅎㅂ ㅇㄴ"."""
    return "".join(initial(ch) or ch for ch in text)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").casefold()
    return "".join(_CONJOINING.get(ch, ch) for ch in text if not ch.isspace())


def _char_matches(q: str, t: str) -> bool:
    return q == t or (q in INITIALS and initial(t) == q)


def matches(title: str, query: str) -> bool:
    """True when ``query`` (possibly 초성 or mixed) occurs in ``title``; an empty query matches all."""
    q = _normalize(query)[:MAX_QUERY]
    if not q:
        return True
    t = _normalize(title)
    for start in range(len(t) - len(q) + 1):
        if all(_char_matches(q[i], t[start + i]) for i in range(len(q))):
            return True
    return False
