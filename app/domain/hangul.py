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


# --------------------------------------------------------------------- particles (조사)

# How a final digit is read (영 일 이 삼 사 오 육 칠 팔 구): does it end in a consonant, and is it ㄹ?
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ", "9": ""}
# Latin letters read by their names (png → 피엔지, html → …엠엘): only l, m, n and r end in a consonant.
_LATIN_FINAL = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ", "r": "ㄹ"}
_FINALS = ("",) + tuple("ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")
_PAIRS = (("을", "를"), ("은", "는"), ("이", "가"), ("과", "와"), ("으로", "로"), ("이에요", "예요"))
# Either form names the pair: "을" and "를" both mean 을/를.
PARTICLES = {form: pair for pair in _PAIRS for form in pair}


def final_consonant(word: str) -> str:
    """The final consonant (받침) the word is read with, '' when it ends in a vowel.

    Closing quotes, brackets and spaces are skipped; digits are read in Korean (1 → 일 → ㄹ)
    and Latin letters by their names.
    """
    for ch in reversed(word or ""):
        if ch in " '\"’”)]}»」』.":
            continue
        code = ord(ch)
        if _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST:
            return _FINALS[(code - _SYLLABLE_FIRST) % 28]
        if ch in _DIGIT_FINAL:
            return _DIGIT_FINAL[ch]
        return _LATIN_FINAL.get(ch.lower(), "")
    return ""


def with_particle(word: str, particle: str) -> str:
    """``word`` followed by the right form of ``particle``: ("제목", "을") → "제목을",
    ("내용", "를") → "내용을", ("해결됨", "로") → "해결됨으로", ("보류", "으로") → "보류로",
    ("서울", "으로") → "서울로" (ㄹ takes 로)."""
    with_final, without = PARTICLES[particle]
    final = final_consonant(word)
    if with_final == "으로":
        return word + ("로" if final in ("", "ㄹ") else "으로")
    return word + (with_final if final else without)
