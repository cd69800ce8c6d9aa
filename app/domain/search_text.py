"""Korean-aware search text: normalisation, bigram tokens, query parsing and snippets.

Pure functions shared by every search backend. Hangul is cut into overlapping
syllable bigrams (환불요청 → 환불 불요 요청), so a noun is found inside any word that
carries a particle or ending (환불을, 환불해주세요) or a compound (환불요청). A bigram is
also emitted across a single space between two Hangul words (환불 요청 → … 불요 …), so
a compound query matches its spaced form as a phrase. Latin letters and digits stay
whole tokens (lower-cased); codes (SKUs, phone numbers, order and ticket numbers) are
recognised separately and matched exactly. Why bigrams and not a morphological
analyser: see the README's Search section (memory of the web process).

``parse_query`` never raises: any text a person or a script types becomes a
``ParsedQuery`` (possibly empty). Field syntax (``field:value``), wildcards, quotes that
do not balance, parentheses and control characters are read as plain words.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

# Bump when tokens change: an index built with another version is rebuilt.
ANALYSIS_VERSION = 2
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
MIN_TAIL_DIGITS = 4
MAX_TAIL_DIGITS = 8

_HANGUL = "\uac00-\ud7a3\u3131-\u318e"
# One run of Hangul, or of Latin letters and digits; everything else separates.
_RUN = re.compile(rf"[{_HANGUL}]+|[a-z0-9]+")
_HANGUL_RUN = re.compile(rf"[{_HANGUL}]+")
# Codes: letters/digits joined by hyphens with at least one digit (TS-01, SKU-AB-1234, 010-1234-5678),
# or long digit strings (order numbers typed without hyphens).
_CODE = re.compile(r"(?<![a-z0-9])[a-z0-9]+(?:-[a-z0-9]+)+(?![a-z0-9])|\b\d{6,}\b")
_EMAIL = re.compile(r"[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}")
_TICKET = re.compile(r"\bm-?(\d{8})-?(\d{4,6})\b")
_SPACE_ONLY = re.compile(r"[ \t]+")


def normalize(text: str | None) -> str:
    """NFKC, lower case, control characters replaced by spaces (full-width Ａ１ → a1)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)


@dataclass(frozen=True)
class Token:
    """One index term with its position (for phrases) and character span (for highlights)."""

    text: str
    position: int
    start: int
    end: int


def tokens(text: str | None) -> list[Token]:
    """The index terms of ``text``: Hangul bigrams (across single spaces too) and Latin/digit words."""
    text = normalize(text)
    out: list[Token] = []
    pos = 0
    prev_end = -1  # end of the previous Hangul run, for the bigram across a space
    prev_last = ""
    for match in _RUN.finditer(text):
        run, start = match.group(), match.start()
        if not _HANGUL_RUN.fullmatch(run):
            out.append(Token(run, pos, start, match.end()))
            pos += 1
            prev_end = -1
            continue
        if prev_end >= 0 and _SPACE_ONLY.fullmatch(text[prev_end:start]):
            # 환불 요청 → 불요: the spaced compound matches the written-together query.
            out.append(Token(prev_last + run[0], pos, prev_end - 1, start + 1))
            pos += 1
        if len(run) == 1:
            out.append(Token(run, pos, start, start + 1))
            pos += 1
        for i in range(len(run) - 1):
            out.append(Token(run[i:i + 2], pos, start + i, start + i + 2))
            pos += 1
        prev_end, prev_last = match.end(), run[-1]
    return out


def terms(text: str | None) -> list[str]:
    """Just the token texts of ``text``."""
    return [t.text for t in tokens(text)]


def codes(text: str | None) -> set[str]:
    """Exact-match codes in ``text``: each hyphenated code and its digits/letters joined; emails."""
    text = normalize(text)
    found: set[str] = set()
    for match in _CODE.finditer(text):
        code = match.group()
        found.add(code)
        found.add(code.replace("-", ""))
    for match in _EMAIL.finditer(text):
        found.add(match.group())
    return found


def digit_tails(number: str | None, *, minimum: int = MIN_TAIL_DIGITS, maximum: int = MAX_TAIL_DIGITS) -> set[str]:
    """The digits of a ticket or order number, and its endings of ``minimum``–``maximum`` digits.

    M-20261126-0042 → 202611260042, 0042, 60042, 260042, 1260042, 11260042 (what people type:
    the sequence, the day and sequence); longer endings are rarely typed and each one is a
    term of its own in the index.
    """
    digits = re.sub(r"\D", "", number or "")
    tails = {digits[-n:] for n in range(minimum, min(maximum, len(digits)) + 1)}
    return tails | ({digits} if digits else set())


@dataclass(frozen=True)
class QueryPart:
    """One word or quoted phrase of a query, and the exact codes it may also be.

    A part matches when its index terms appear consecutively in a text field, or when
    one of its ``codes`` (SKU, phone, email) or ``numbers`` (a ticket or order number,
    whole or its tail) matches exactly.
    """

    text: str
    terms: tuple[str, ...]
    phrase: bool = False
    codes: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()

    @property
    def exact_code(self) -> bool:
        """The word is one product code (letters and digits joined by hyphens: MK-09, IP-15).

        It matches by that code alone: every code in a ticket's text is indexed as a code, and
        checking its pieces as a phrase as well read every candidate's positions for nothing.
        """
        return (not self.phrase and "-" in self.text and self.text in self.codes
                and any("a" <= ch <= "z" for ch in self.text))


# A sentence's word is common when its rarest term is in more than this share of the tickets;
# on an index smaller than MIN_DOCS_FOR_PRUNING no word is (shares of a few tickets say nothing).
COMMON_SHARE = 0.2
MIN_DOCS_FOR_PRUNING = 500


def is_common(part: QueryPart, share_of: Callable[[str], float]) -> bool:
    """True when every term of this word is in more than COMMON_SHARE of the tickets.

    ``share_of(term)`` is the share of the tickets holding ``term`` (each backend's own
    statistics). A code, number or email is never common: it is what the reader is looking for.
    """
    if not part.terms or part.codes or part.numbers or part.emails:
        return False
    return min(share_of(t) for t in part.terms) > COMMON_SHARE


@dataclass
class ParsedQuery:
    """What a search box's text asks for, already safe to turn into any backend's query."""

    text: str = ""
    parts: list[QueryPart] = field(default_factory=list)
    truncated: bool = False

    @property
    def empty(self) -> bool:
        """True when nothing searchable was typed (only `*`, punctuation, spaces)."""
        return not self.parts

    def words(self) -> list[str]:
        """The surface words to highlight in a snippet."""
        return [p.text for p in self.parts]


def _word_part(word: str) -> QueryPart | None:
    """A whitespace-separated word of the query as a part (None when nothing in it is searchable)."""
    emails = frozenset(m.group() for m in _EMAIL.finditer(word))
    rest = _EMAIL.sub(" ", word)
    found_codes: set[str] = set()
    numbers: set[str] = set()
    for match in _TICKET.finditer(rest):
        numbers.add(match.group(1) + match.group(2))
    for code in _CODE.findall(rest):
        found_codes.update({code, code.replace("-", "")})
        digits = code.replace("-", "")
        if digits.isdigit() and len(digits) >= MIN_TAIL_DIGITS:
            numbers.add(digits)
    stripped = rest.strip("\"'()[]{}:*?!.,~^+-<>")
    if stripped.isdigit() and len(stripped) >= MIN_TAIL_DIGITS:
        numbers.add(stripped)
        found_codes.add(stripped)
    word_terms = tuple(terms(word))
    if not (word_terms or emails):
        return None
    return QueryPart(word.strip("\"'()[]{}:*?!.,~^+<>") or word, word_terms, codes=frozenset(found_codes),
                     numbers=frozenset(numbers), emails=emails)


def parse_query(raw: str | None) -> ParsedQuery:
    """Read a search box. Never raises; unknown syntax is plain text, field names are not special."""
    text = normalize(raw if isinstance(raw, str) else "")
    truncated = len(text) > MAX_QUERY_CHARS
    text = " ".join(text[:MAX_QUERY_CHARS].split())
    parsed = ParsedQuery(text=text, truncated=truncated)
    # Quoted phrases, when the quotes balance; an unbalanced last quote is just punctuation.
    pieces = text.split('"')
    if len(pieces) % 2 == 0:
        last = pieces.pop()
        pieces[-1] = pieces[-1] + " " + last
    parts: list[QueryPart] = []
    for i, piece in enumerate(pieces):
        if i % 2 == 1:
            phrase_terms = tuple(terms(piece))
            if phrase_terms:
                parts.append(QueryPart(piece.strip(), phrase_terms, phrase=True))
            continue
        for word in piece.split(" "):
            part = _word_part(word)
            if part is not None:
                parts.append(part)
    # A word repeated, or 10 kB of input, stays a short query.
    seen: set[tuple] = set()
    unique = []
    for part in parts:
        key = (part.terms, part.emails)
        if key not in seen:
            seen.add(key)
            unique.append(part)
    parsed.parts = unique[:MAX_QUERY_WORDS]
    parsed.truncated = parsed.truncated or len(unique) > MAX_QUERY_WORDS
    return parsed


# ----------------------------------------------------------------- snippets

@dataclass(frozen=True)
class Segment:
    """A piece of a snippet; ``hit`` pieces are highlighted (the template escapes every piece)."""

    text: str
    hit: bool = False


def _needles(words: list[str]) -> list[str]:
    """What to mark in the text: each query word and its Hangul runs (환불요청 also marks 환불 요청)."""
    needles: set[str] = set()
    for word in words:
        word = normalize(word).strip()
        for run in _RUN.findall(word):
            needles.add(run)
            if _HANGUL_RUN.fullmatch(run):
                # 환불요청 also marks 환불 and 요청 where they are written apart.
                for cut in range(2, len(run) - 1):
                    needles.update({run[:cut], run[cut:]})
    return sorted(needles, key=len, reverse=True)


def snippet(text: str | None, words: list[str], *, width: int = 120) -> list[Segment]:
    """A window of ``text`` around the first match of ``words``, split into plain and hit segments."""
    text = " ".join((text or "").split())
    if not text:
        return []
    lowered = normalize(text)
    if len(lowered) != len(text):  # NFKC changed the length: mark nothing rather than the wrong span
        lowered = text.lower()
    spans: list[tuple[int, int]] = []
    for needle in _needles(words):
        start = lowered.find(needle)
        while start >= 0 and len(spans) < 50:
            end = start + len(needle)
            if not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
            start = lowered.find(needle, end)
    spans.sort()
    first = spans[0][0] if spans else 0
    lo = max(0, first - width // 3)
    hi = min(len(text), lo + width)
    segments: list[Segment] = []
    if lo > 0:
        segments.append(Segment("…"))
    cursor = lo
    for s, e in spans:
        if s < lo or e > hi:
            continue
        if s > cursor:
            segments.append(Segment(text[cursor:s]))
        segments.append(Segment(text[s:e], hit=True))
        cursor = e
    if cursor < hi:
        segments.append(Segment(text[cursor:hi]))
    if hi < len(text):
        segments.append(Segment("…"))
    return segments


def has_hit(segments: list[Segment]) -> bool:
    """True when a snippet marks at least one match."""
    return any(s.hit for s in segments)
