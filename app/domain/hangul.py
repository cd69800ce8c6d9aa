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


# ---------------------------------------------------------------- particles (조사)

# A particle that depends on the word before it: (after a final consonant, after a vowel).
PARTICLES = {
    "을": ("을", "를"), "를": ("을", "를"),
    "은": ("은", "는"), "는": ("은", "는"),
    "이": ("이", "가"), "가": ("이", "가"),
    "과": ("과", "와"), "와": ("과", "와"),
    "으로": ("으로", "로"), "로": ("으로", "로"),
}
# How digits are read (영, 일, 이, 삼 …): which end in a consonant, and in ㄹ.
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ",
                "8": "ㄹ", "9": ""}
_FINALS = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ",
           "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ")
# Latin letters are read by their names (png → 피엔지, html → …엠엘): only l, m, n and r end in a
# consonant, so "screenshot.png를", "file.html을".
_LATIN_FINAL = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ", "r": "ㄹ"}
# Closing quotes and brackets are looked through: "'해결됨'" ends in 됨.
_TRAILING = "'\"’”」』)]}>》〉 "


def final_consonant(word: str) -> str | None:
    """The final consonant (받침) of the word's last syllable: '' after a vowel, None when unknown.

    Hangul syllables, digits (read in Korean) and Latin letters (read by their names) are
    known; other characters are not.
    """
    text = unicodedata.normalize("NFC", word or "").rstrip(_TRAILING)
    if not text:
        return None
    last = text[-1]
    code = ord(last)
    if _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST:
        return _FINALS[(code - _SYLLABLE_FIRST) % 28]
    if last in _DIGIT_FINAL:
        return _DIGIT_FINAL[last]
    if last.isascii() and last.isalpha():
        return _LATIN_FINAL.get(last.lower(), "")
    return None


def particle(word: str, which: str) -> str:
    """The particle that fits after ``word`` (either form may be asked for): particle("제목", "를") → "을",
    particle("문의 유형", "은") → "은", particle("보류", "으로") → "로", particle("해결됨", "로") → "으로".

    A word whose reading is unknown (it ends in a symbol) gets both forms, "을(를)", as printed
    forms do.
    """
    with_final, after_vowel = PARTICLES[which]
    final = final_consonant(word)
    if final is None:
        if with_final == "으로":
            return "(으)로"
        return f"{with_final}({after_vowel})"
    if with_final == "으로":
        # ㄹ takes 로 like a vowel does: "서울로", "보류로", but "해결됨으로".
        return after_vowel if final in ("", "ㄹ") else with_final
    return with_final if final else after_vowel


def with_particle(word: str, which: str) -> str:
    """``word`` followed by the particle that fits it: with_particle("제목", "을") → "제목을"."""
    return f"{word}{particle(word, which)}"
