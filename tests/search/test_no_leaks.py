"""Search never reveals what the reader may not see: another customer's ticket, an internal note,
a queue the agent does not work. The answer for such a word is exactly the answer for a word
that appears nowhere — on the service, the customer's page and the API."""
from __future__ import annotations

import re

import pytest

from app.services import unit_of_work
from app.services.search import SearchRequest, search_tickets
from app.services.tickets.core import add_message, update_ticket
from tests.factories import bearer, login, make_ticket, make_user

OTHERS_WORD = "보라색우산"      # only in another customer's ticket
NOTE_WORD = "블랙컨슈머"        # only in an internal note on the customer's own ticket
QUEUE_WORD = "일반큐비밀"       # only in a ticket of a queue the agent does not work
NONSENSE = "뷁쒧퀣"


@pytest.fixture()
def world(app, now):
    me = make_user("customer", name="나고객")
    other = make_user("customer", name="남고객", email="other@example.com")
    agent = make_user("agent", queues=["orders"])
    lead = make_user("lead")
    mine = make_ticket(me, category="delivery", subject="배송 문의", body="상자가 찌그러졌어요")
    add_message(lead, mine, body=f"{NOTE_WORD} 이력 있음, 주의", internal=True, files=[], now=now)
    unit_of_work.commit()
    theirs = make_ticket(other, category="delivery", subject="배송 문의", body=f"{OTHERS_WORD} 주문 배송 문의")
    general = make_ticket(other, category="membership", subject="회원 문의", body=f"{QUEUE_WORD} 회원 등급")
    return {"me": me, "other": other, "agent": agent, "lead": lead, "mine": mine, "theirs": theirs,
            "general": general}


def _answer(actor, q):
    page = search_tickets(actor, SearchRequest(q=q), per_page=100)
    return [t.number for t in page.tickets], page.total, page.empty_query


def test_staff_do_find_the_words(world):
    assert _answer(world["lead"], OTHERS_WORD)[0] == [world["theirs"].number]
    assert _answer(world["lead"], NOTE_WORD)[0] == [world["mine"].number]
    assert _answer(world["lead"], QUEUE_WORD)[0] == [world["general"].number]


@pytest.mark.parametrize("word", [OTHERS_WORD, NOTE_WORD, "other@example.com", "남고객",
                                  '"블랙컨슈머 이력"', "notes:블랙컨슈머", "customer:남고객"])
def test_a_customer_gets_what_a_nonsense_word_gets(world, word):
    assert _answer(world["me"], word) == _answer(world["me"], NONSENSE) == ([], 0, False)


def test_a_customer_does_not_find_anothers_ticket_by_number_or_tail(world):
    number = world["theirs"].number
    assert _answer(world["me"], number) == _answer(world["me"], NONSENSE)
    assert _answer(world["me"], number[-4:])[0] in ([], [world["mine"].number])
    assert world["theirs"].number not in _answer(world["me"], number[-4:])[0]


def test_an_agent_does_not_find_tickets_of_other_queues(world):
    assert _answer(world["agent"], QUEUE_WORD) == _answer(world["agent"], NONSENSE)
    assert _answer(world["agent"], OTHERS_WORD)[0] == [world["theirs"].number]


def test_a_ticket_moved_out_of_the_queue_disappears_at_once(world, now):
    """The index is re-checked against the database: even a stale index cannot show it."""
    from app.extensions import db
    from app.models import SupportQueue

    general = db.session.query(SupportQueue).filter_by(slug="general").one()
    update_ticket(world["lead"], world["theirs"], queue=general.slug, now=now)
    unit_of_work.commit()
    assert _answer(world["agent"], OTHERS_WORD) == _answer(world["agent"], NONSENSE)


def test_every_hit_is_rechecked_against_the_database(world, monkeypatch, backend_module):
    """Even if the index answered wrongly (stale, or a bug), the database decides what is shown."""
    everything = [world["mine"].id, world["theirs"].id, world["general"].id]
    monkeypatch.setattr(backend_module, "search", lambda *a, **k: (everything, 3))
    numbers, total, _ = _answer(world["me"], "아무거나")
    assert numbers == [world["mine"].number] and total == 1


def _page_results(html: str) -> str:
    """The part of 내 문의 내역 that depends on the query (the result list or its message)."""
    html = re.sub(r'value="[^"]*"', "", html)
    start = html.index("</form>", html.index('role="search"'))
    return html[start:html.index("</section>")]


@pytest.mark.parametrize("word", [OTHERS_WORD, NOTE_WORD, "other@example.com"])
def test_the_customer_page_answers_as_for_nonsense(world, client, word):
    login(client, world["me"])
    secret = client.get("/inquiries", query_string={"q": word})
    nonsense = client.get("/inquiries", query_string={"q": NONSENSE})
    assert secret.status_code == nonsense.status_code == 200
    body = secret.get_data(as_text=True)
    assert _page_results(body) == _page_results(nonsense.get_data(as_text=True))
    assert OTHERS_WORD not in body.replace(f'value="{word}"', "") or word != OTHERS_WORD
    assert "찾는 문의가 없습니다." in body


@pytest.mark.parametrize("word", [OTHERS_WORD, NOTE_WORD, "other@example.com", "notes:" + NOTE_WORD])
def test_the_api_answers_as_for_nonsense(world, client, word):
    headers = bearer(world["me"])
    secret = client.get("/api/v1/tickets", query_string={"q": word}, headers=headers)
    nonsense = client.get("/api/v1/tickets", query_string={"q": NONSENSE}, headers=headers)
    assert secret.status_code == nonsense.status_code == 200
    assert secret.get_json() == nonsense.get_json() == {"items": [], "page": 1, "per_page": 25, "total": 0}


def test_snippets_never_quote_a_note_to_a_customer(world):
    page = search_tickets(world["me"], SearchRequest(q="배송"), per_page=100)
    assert [h.ticket.number for h in page.hits] == [world["mine"].number]
    text = "".join(seg.text for h in page.hits for seg in h.snippet)
    assert NOTE_WORD not in text and page.hits[0].source != "note"
