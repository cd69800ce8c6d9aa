"""Placeholders in canned answers: ``{{ customer.name }}`` and ``{{ order.number | default("…") }}``.

Deliberately not a template engine. A body is plain text with placeholders over a fixed
vocabulary (``VOCABULARY``); the values are plain strings the service prepared for one
ticket, so there is no attribute access, no expressions, no loops and nothing to escape
from: ``{{ ''.__class__ }}``, ``{{ config }}`` and ``{% for %}`` are simply errors.

The grammar inside ``{{ … }}`` is exactly

    dotted.name                         e.g. ``order.number``
    dotted.name | default("literal")    the literal in double or single quotes

with any amount of spaces around the parts. ``{%`` and ``{#`` anywhere are errors.
Scanning is a single left-to-right pass with bounded regexes, so huge bodies cost
linear time.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.errors import DomainError

# name -> (Korean description, English description)
VOCABULARY: dict[str, tuple[str, str]] = {
    "customer.name": ("고객 이름", "Customer name"),
    "ticket.number": ("문의 번호", "Ticket number"),
    "ticket.subject": ("문의 제목", "Ticket subject"),
    "ticket.category": ("문의 유형", "Ticket category"),
    "order.number": ("주문번호", "Order number"),
    "order.status": ("주문 상태", "Order status"),
    "agent.name": ("상담원 이름", "Agent name"),
    "refund.amount": ("환불 금액", "Refund amount"),
    "refund.due_date": ("환불 기한", "Refund due date"),
    "sla.first_response_due": ("첫 응답 기한", "First response due"),
    "sla.next_reply_due": ("다음 답변 기한", "Next reply due"),
    "sla.resolution_due": ("해결 기한", "Resolution due"),
}

# What ``{{ order.status }}`` says: (Korean, English) per order status code, the same words as
# the pages' labels ("order_status" in app/web/labels.py; tests/services/desk/test_canned.py keeps them equal).
ORDER_STATUS_TEXT: dict[str, tuple[str, str]] = {
    "payment_pending": ("입금 대기", "Awaiting payment"),
    "paid": ("결제 완료", "Paid"),
    "preparing": ("상품 준비중", "Preparing"),
    "shipped": ("배송중", "Shipped"),
    "delivered": ("배송 완료", "Delivered"),
    "purchase_confirmed": ("구매 확정", "Purchase confirmed"),
    "cancelled": ("취소됨", "Cancelled"),
}


def order_status_text(status: str, locale: str | None) -> str:
    """The order status as the reader says it: English for an 'en…' locale, else Korean; an unknown
    code as it is."""
    pair = ORDER_STATUS_TEXT.get(status)
    if pair is None:
        return status
    return pair[1] if (locale or "ko").startswith("en") else pair[0]


MAX_BODY = 50_000       # longer bodies are refused before scanning
MAX_ERRORS = 20         # errors reported per body (the rest are dropped)
MAX_DEFAULT = 200       # characters of a default literal

_OPEN = re.compile(r"\{\{|\{%|\{#")
# Bounded: a name has at most four short parts, a literal at most MAX_DEFAULT characters.
_LITERAL_MAX = str(MAX_DEFAULT)
_INNER = re.compile(
    r"\s*(?P<name>[a-z][a-z0-9_]{0,30}(?:\.[a-z][a-z0-9_]{0,30}){0,3})\s*"
    r"(?:\|\s*default\s*\(\s*(?:\"(?P<dq>[^\"\\{}]{0,LIT})\"|'(?P<sq>[^'\\{}]{0,LIT})')\s*\)\s*)?"
    .replace("LIT", _LITERAL_MAX))


@dataclass(frozen=True)
class Placeholder:
    name: str
    default: str | None
    source: str  # the text as written, ``{{ … }}`` included


@dataclass(frozen=True)
class PlaceholderError:
    """One problem in a body. ``code``: unknown | syntax | statement | unclosed | too_long."""

    code: str
    detail: str = ""

    @property
    def message_ko(self) -> str:
        return {
            "unknown": f"알 수 없는 치환 항목입니다: {self.detail}",
            "syntax": f"치환 항목의 형식이 올바르지 않습니다: {self.detail}",
            "statement": f"{self.detail} 구문은 쓸 수 없습니다. {{{{ 이름 }}}} 형식의 치환 항목만 쓸 수 있습니다.",
            "unclosed": f"닫히지 않은 치환 항목이 있습니다: {self.detail}",
            "too_long": f"본문은 {MAX_BODY:,}자까지 쓸 수 있습니다.",
        }.get(self.code, self.detail)

    @property
    def message_en(self) -> str:
        return {
            "unknown": f"Unknown placeholder: {self.detail}",
            "syntax": f"Malformed placeholder: {self.detail}",
            "statement": f"{self.detail} blocks are not allowed; only {{{{ name }}}} placeholders are.",
            "unclosed": f"Unclosed placeholder: {self.detail}",
            "too_long": f"The body may be at most {MAX_BODY:,} characters.",
        }.get(self.code, self.detail)


Segment = str | Placeholder


def _snippet(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def parse(body: str) -> tuple[list[Segment], list[PlaceholderError]]:
    """The body as literal strings and placeholders, and the problems found (empty when valid)."""
    body = body or ""
    if len(body) > MAX_BODY:
        return [], [PlaceholderError("too_long")]
    segments: list[Segment] = []
    errors: list[PlaceholderError] = []
    pos = 0
    while len(errors) < MAX_ERRORS:
        match = _OPEN.search(body, pos)
        if match is None:
            break
        start = match.start()
        if start > pos:
            segments.append(body[pos:start])
        opener = match.group()
        if opener != "{{":
            closer = "%}" if opener == "{%" else "#}"
            end = body.find(closer, start + 2)
            stop = len(body) if end < 0 else end + 2
            errors.append(PlaceholderError("statement", opener + " " + closer))
            segments.append(body[start:stop])
            pos = stop
            continue
        end = body.find("}}", start + 2)
        if end < 0:
            errors.append(PlaceholderError("unclosed", _snippet(body[start:])))
            segments.append(body[start:])
            pos = len(body)
            break
        inner = body[start + 2:end]
        source = body[start:end + 2]
        pos = end + 2
        found = _INNER.fullmatch(inner) if len(inner) <= MAX_DEFAULT + 120 else None
        if found is None:
            errors.append(PlaceholderError("syntax", _snippet(source)))
            segments.append(source)
            continue
        name = found.group("name")
        if name not in VOCABULARY:
            errors.append(PlaceholderError("unknown", name))
            segments.append(source)
            continue
        default = found.group("dq") if found.group("dq") is not None else found.group("sq")
        segments.append(Placeholder(name, default, source))
    else:
        pos = len(body)
    if pos < len(body):
        segments.append(body[pos:])
    return segments, errors


def validate(body: str) -> list[PlaceholderError]:
    """The problems of ``body`` (used at save time); empty when it may be saved."""
    return parse(body)[1]


def names(body: str) -> list[str]:
    """The placeholder names used in ``body``, in order of first use."""
    seen: dict[str, None] = {}
    for segment in parse(body)[0]:
        if isinstance(segment, Placeholder):
            seen.setdefault(segment.name)
    return list(seen)


def _value(values: Mapping[str, str | None], name: str) -> str | None:
    value = values.get(name)
    return value if value else None


def missing(body: str, values: Mapping[str, str | None]) -> list[str]:
    """Placeholder names that have no value in ``values`` and no default."""
    out: dict[str, None] = {}
    for segment in parse(body)[0]:
        if isinstance(segment, Placeholder) and segment.default is None and _value(values, segment.name) is None:
            out.setdefault(segment.name)
    return list(out)


def invalid_error(errors: list[PlaceholderError], field: str = "body") -> DomainError:
    return DomainError(
        "placeholder_invalid",
        " ".join(e.message_ko for e in errors),
        " ".join(e.message_en for e in errors),
        status=422, fields={field: "placeholder_invalid"})


def missing_error(names_: list[str], field: str = "body") -> DomainError:
    listed = ", ".join(names_)
    return DomainError(
        "placeholder_missing",
        f"이 문의에는 값이 없는 치환 항목이 있습니다: {listed}. 본문을 고치거나 기본값을 지정해 주세요.",
        f"These placeholders have no value for this ticket: {listed}. Edit the text or give a default.",
        status=422, fields={field: "placeholder_missing"})


def render(body: str, values: Mapping[str, str | None]) -> str:
    """``body`` with every placeholder replaced by its value or default.

    Raises DomainError (422) when the body is invalid or a placeholder has neither.
    """
    segments, errors = parse(body)
    if errors:
        raise invalid_error(errors)
    absent = missing(body, values)
    if absent:
        raise missing_error(absent)
    return "".join(_fill(segment, values) for segment in segments)


def render_partial(body: str, values: Mapping[str, str | None]) -> str:
    """Like ``render`` but placeholders without value or default stay as written (for previews)."""
    segments, errors = parse(body)
    if errors:
        raise invalid_error(errors)
    return "".join(_fill(segment, values, keep=True) for segment in segments)


def _fill(segment: Segment, values: Mapping[str, str | None], keep: bool = False) -> str:
    if isinstance(segment, str):
        return segment
    value = _value(values, segment.name)
    if value is not None:
        return value
    if segment.default is not None:
        return segment.default
    if keep:
        return segment.source
    raise missing_error([segment.name])
