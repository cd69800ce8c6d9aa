"""Canned-answer placeholders: a fixed vocabulary, no expressions, no way out of the sandbox."""
from __future__ import annotations

import time

import pytest

from app.domain import placeholders as ph
from app.domain.errors import DomainError
from app.domain.hangul import initials, matches

VALUES = {"customer.name": "김민지", "ticket.number": "M-20261126-0001", "order.number": None,
          "agent.name": "이상담"}


def codes(body: str) -> list[str]:
    return [e.code for e in ph.validate(body)]


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("body", [
    "",
    "안녕하세요, {{ customer.name }} 고객님.",
    "{{customer.name}}{{ticket.number}}",
    '주문 {{ order.number | default("주문번호 확인 중") }} 건',
    "{{ order.number|default('확인 중') }}",
    '{{  order.status  |  default ( "" )  }}',
    "중괄호 하나 { 와 } 그리고 닫는 }} 만 있는 글",
    "\n".join(f"{{{{ {name} }}}}" for name in ph.VOCABULARY),
])
def test_valid_bodies(body):
    assert ph.validate(body) == []


def test_unknown_placeholder_is_named():
    errors = ph.validate("{{ customer.name }} {{ customer.phone }}")
    assert [(e.code, e.detail) for e in errors] == [("unknown", "customer.phone")]
    assert "customer.phone" in errors[0].message_ko and "customer.phone" in errors[0].message_en


@pytest.mark.parametrize("body, code", [
    ("{{ ''.__class__ }}", "syntax"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "syntax"),
    ("{{ config }}", "unknown"),
    ("{{ self }}", "unknown"),
    ("{{ request.application.__globals__ }}", "syntax"),
    ("{{ customer.name.__class__ }}", "syntax"),
    ("{{ customer.name.first }}", "unknown"),
    ("{{ customer.name.upper() }}", "syntax"),
    ("{{ lipsum.__globals__['os'].popen('id').read() }}", "syntax"),
    ("{{ cycler.__init__.__globals__.os }}", "syntax"),
    ("{{ customer['name'] }}", "syntax"),
    ("{{ 7*7 }}", "syntax"),
    ("{{ customer.name | upper }}", "syntax"),
    ("{{ customer.name | default(config) }}", "syntax"),
    ('{{ customer.name | default("a") | default("b") }}', "syntax"),
    ('{{ customer.name | default("{{ config }}") }}', "syntax"),
    ("{% for i in range(10**9) %}x{% endfor %}", "statement"),
    ("{% set x = 1 %}", "statement"),
    ("{# comment #}", "statement"),
    ("{{ customer.name ", "unclosed"),
    ("{{ }}", "syntax"),
    ("{{ Customer.Name }}", "syntax"),
])
def test_escape_attempts_and_bad_syntax_are_refused(body, code):
    assert code in codes(body)
    with pytest.raises(DomainError) as exc:
        ph.render(body, VALUES)
    assert exc.value.code == "placeholder_invalid" and exc.value.status == 422


def test_loop_statement_is_refused_without_being_run():
    body = "{% for i in range(100000000) %}{{ customer.name }}{% endfor %}"
    assert codes(body).count("statement") == 2


def test_huge_bodies_are_fast_and_bounded():
    big = "가" * ph.MAX_BODY
    start = time.perf_counter()
    assert ph.validate(big) == []
    assert ph.validate("{{ customer.name }} " * 2000) == []
    assert ph.validate("{{ " * 20000) != []
    assert ph.validate("{{ a" + " " * 40000 + "}}") != []
    assert ph.validate("{{ customer.name | default(\"" + "x" * 40000 + "\") }}") != []
    assert len(ph.validate("{{ nope }}" * 5000)) == ph.MAX_ERRORS
    assert time.perf_counter() - start < 2
    assert codes(big + "가") == ["too_long"]


# ---------------------------------------------------------------- rendering

def test_render_with_values():
    body = "{{ customer.name }} 고객님, 문의 {{ ticket.number }} 답변드립니다. - {{agent.name}}"
    assert ph.render(body, VALUES) == "김민지 고객님, 문의 M-20261126-0001 답변드립니다. - 이상담"


def test_default_is_used_when_no_value_and_ignored_when_there_is_one():
    body = '주문 {{ order.number | default("주문번호 확인 중") }} / {{ customer.name | default("고객") }}'
    assert ph.render(body, VALUES) == "주문 주문번호 확인 중 / 김민지"
    assert ph.render(body, {**VALUES, "order.number": "20261120-000001"}) == "주문 20261120-000001 / 김민지"
    assert ph.render("{{ order.number | default('') }}끝", VALUES) == "끝"


def test_missing_value_without_default_is_named_and_refused():
    body = "{{ order.number }} {{ refund.amount }} {{ order.number | default('x') }} {{ customer.name }}"
    assert ph.missing(body, VALUES) == ["order.number", "refund.amount"]
    with pytest.raises(DomainError) as exc:
        ph.render(body, VALUES)
    assert exc.value.code == "placeholder_missing"
    assert "order.number" in exc.value.message_ko and "refund.amount" in exc.value.message_en


def test_empty_string_counts_as_missing():
    assert ph.missing("{{ order.status }}", {"order.status": ""}) == ["order.status"]


def test_partial_render_keeps_missing_placeholders_as_written():
    body = "{{ customer.name }}님 주문 {{order.number}}"
    assert ph.render_partial(body, VALUES) == "김민지님 주문 {{order.number}}"


def test_values_are_inserted_verbatim_never_evaluated():
    values = {"customer.name": "{{ config }} {% for %}"}
    assert ph.render("{{ customer.name }}", values) == "{{ config }} {% for %}"


def test_names_in_order_of_use():
    assert ph.names("{{ agent.name }} {{ customer.name }} {{ agent.name }}") == ["agent.name", "customer.name"]


# ---------------------------------------------------------------- Korean title matching

def test_initials():
    assert initials("환불 접수 안내") == "ㅎㅂ ㅈㅅ ㅇㄴ"
    assert initials("ABC 까") == "ABC ㄲ"


@pytest.mark.parametrize("query", ["환불", "ㅎㅂ", "ㅎㅂㅈㅅ", "ㅈㅅ ㅇㄴ", "환ㅂ", "접수", "", "  ", "불 접"])
def test_korean_queries_match(query):
    assert matches("환불 접수 안내", query)


@pytest.mark.parametrize("query", ["ㅂㅎ", "환불안내", "ㄱ", "배송", "환불 접수 안내 더"])
def test_korean_queries_that_do_not_match(query):
    assert not matches("환불 접수 안내", query)


def test_latin_is_case_insensitive_and_conjoining_jamo_work():
    assert matches("Plus 혜택 안내", "plus")
    assert matches("환불 접수", "\u1112\u1107")  # conjoining ㅎㅂ


def test_order_status_text_in_the_readers_language():
    assert ph.order_status_text("preparing", "ko") == "상품 준비중"
    assert ph.order_status_text("preparing", "en_US") == "Preparing"
    assert ph.order_status_text("lost_in_space", "en") == "lost_in_space"
