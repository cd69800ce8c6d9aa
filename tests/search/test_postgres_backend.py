"""The PostgreSQL backend's own mechanics (``make test-pg`` only): a sentence is matched by its
rarer words, as PostgreSQL's statistics tell them apart from the common ones."""
from __future__ import annotations

import time

import pytest

from app.extensions import db
from app.services.search import SearchRequest, postgres_backend, search_tickets
from tests.factories import make_ticket, make_user

pytestmark = pytest.mark.backends("postgres")


def numbers(actor, q):
    return [t.number for t in search_tickets(actor, SearchRequest(q=q), per_page=100).tickets]


@pytest.fixture()
def shares(app):
    """Stand in for ANALYZE's statistics of a big desk: these bigrams are in most tickets."""
    key = str(db.engine.url)
    postgres_backend._shares[key] = (time.monotonic(), {"확인": 0.6, "인해": 0.6, "주세": 0.9, "세요": 0.9})
    yield
    postgres_backend._shares.pop(key, None)


def test_a_sentence_is_matched_by_its_rarer_words_not_its_common_ones(app, shares):
    lead, customer = make_user("lead"), make_user("customer")
    shoes = make_ticket(customer, subject="운동화 문의", body="사이즈가 작아요")
    polite = make_ticket(customer, subject="일반 문의", body="확인해 주세요 빨리 확인해 주세요")
    found = numbers(lead, "운동화 배송이 확인해 주세요")
    # Half of the rare words (운동화, 배송이) is enough; two common words alone select nothing.
    assert shoes.number in found and polite.number not in found


def test_a_small_or_unanalysed_desk_has_no_common_words(app):
    postgres_backend._shares.pop(str(db.engine.url), None)
    make_ticket(make_user("customer"), subject="환불 문의", body="환불해 주세요")
    assert postgres_backend.common_term_shares() == {}
