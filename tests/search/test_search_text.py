"""The pure analysis (app/domain/search_text.py): tokens, codes, number tails, query parts, snippets."""
from __future__ import annotations

from app.domain import search_text
from app.domain.search_text import digit_tails, parse_query, snippet, terms


def test_hangul_runs_become_bigrams_also_across_one_space():
    assert terms("환불요청") == ["환불", "불요", "요청"]
    assert terms("환불 요청") == ["환불", "불요", "요청"]
    assert terms("환불.  요청")[:1] == ["환불"] and "불요" not in terms("환불. 요청")


def test_latin_and_digits_stay_whole_and_lower_case():
    assert terms("아이폰15 케이스") == ["아이", "이폰", "15", "케이", "이스"]
    assert terms("iPhone ＳＫＵ") == ["iphone", "sku"]


def test_number_tails():
    assert digit_tails("M-20261126-0042") == {"202611260042", "0042", "60042", "260042", "1260042", "11260042"}
    assert "000123" in digit_tails("20261120-000123")


def test_query_parts_know_their_codes_and_numbers():
    (part,) = parse_query("010-1234-5678").parts
    assert {"010-1234-5678", "01012345678"} <= part.codes and "01012345678" in part.numbers
    (part,) = parse_query("M-20261126-0042").parts
    assert "202611260042" in part.numbers
    (part,) = parse_query("minji@example.com").parts
    assert part.emails == {"minji@example.com"}
    phrase, word = parse_query('"배송 지연" 문의').parts
    assert phrase.phrase and phrase.terms == ("배송", "송지", "지연") and word.terms == ("문의",)


def test_snippets_mark_the_words_and_their_spaced_halves():
    segments = snippet("안녕하세요 <b>환불</b> 요청 드립니다", ["환불요청"])
    assert [s.text for s in segments if s.hit] == ["환불", "요청"]
    assert "".join(s.text for s in segments) == "안녕하세요 <b>환불</b> 요청 드립니다"


def test_a_word_is_common_only_when_even_its_rarest_term_is_in_a_fifth_of_the_tickets():
    shares = {"주세": 0.9, "세요": 0.8, "환불": 0.5, "불해": 0.1}
    share_of = lambda term: shares.get(term, 0.0)  # noqa: E731
    word, = parse_query("주세요").parts
    mixed, = parse_query("환불해").parts
    code, = parse_query("MK-09").parts
    assert search_text.is_common(word, share_of)
    assert not search_text.is_common(mixed, share_of)  # 불해 is rare: the word selects
    assert not search_text.is_common(code, lambda term: 1.0)  # a code is what is looked for
