"""The one writer on the embedded path: after each commit the outbox's search.index event
brings the index in line with the database; a rollback indexes nothing; a locked index is
retried and never fails the request; reindex swaps a rebuilt index in; check reports drift."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxEvent, SupportQueue
from app.services import unit_of_work
from app.services.search import SearchRequest, index_root, maintenance, search_tickets, whoosh_backend
from app.services.search.tracking import KIND
from app.services.tickets.core import add_message, update_ticket
from tests.factories import make_ticket, make_user


def found(actor, q, **kw):
    return [t.number for t in search_tickets(actor, SearchRequest(q=q, **kw), per_page=100).tickets]


def search_events():
    return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == KIND).order_by(OutboxEvent.id)))


@pytest.fixture()
def lead(app):
    return make_user("lead")


@pytest.fixture()
def customer(app):
    return make_user("customer")


def test_a_new_ticket_is_searchable_right_after_its_commit(lead, customer):
    ticket = make_ticket(customer, subject="택배 분실", body="택배가 분실되었습니다")
    (event,) = search_events()
    assert event.queue == "search" and event.payload == {"ticket_ids": [ticket.id]}
    assert event.delivered_at is not None
    assert found(lead, "분실") == [ticket.number]


def test_replies_status_assignee_and_queue_changes_reach_the_index(lead, customer, now):
    ticket = make_ticket(customer, subject="문의", body="처음 글")
    add_message(lead, ticket, body="반품 접수 도와드릴게요", internal=False, files=[], now=now)
    unit_of_work.commit()
    assert found(lead, "반품") == [ticket.number]
    update_ticket(lead, ticket, status="pending", priority="urgent", assignee_id=lead.id, queue="general",
                  now=now)
    unit_of_work.commit()
    general = db.session.scalar(select(SupportQueue).where(SupportQueue.slug == "general"))
    assert found(lead, "반품", statuses=["pending"], priority="urgent", assignee="me",
                 queue=general.slug) == [ticket.number]
    assert found(lead, "반품", statuses=["new"]) == []


def test_a_rollback_indexes_nothing(lead, customer):
    before = len(search_events())
    make_ticket(customer, subject="취소될 문의", body="롤백됩니다", commit=False)
    unit_of_work.rollback()
    assert len(search_events()) == before
    assert found(lead, "롤백") == []


def test_a_deleted_ticket_leaves_the_index(lead, customer):
    ticket = make_ticket(customer, subject="지울 문의", body="삭제 예정")
    ticket_id = ticket.id
    for message in ticket.messages:  # the thread goes first (no ORM cascade on messages)
        db.session.delete(message)
    db.session.flush()
    db.session.delete(ticket)
    unit_of_work.commit()
    drift = maintenance.check()  # the index holds no row for it (not just hidden by the re-check)
    assert drift.clean and drift.indexed == drift.tickets
    assert ticket_id not in found(lead, "삭제")


def test_presence_and_sla_checks_do_not_reindex(lead, customer, now):
    ticket = make_ticket(customer, subject="문의", body="본문")
    before = len(search_events())
    ticket.sla_next_check_at = now
    unit_of_work.commit()
    assert len(search_events()) == before


@pytest.mark.backends("whoosh")
def test_a_locked_index_is_retried_and_never_fails_the_request(app, lead, customer):
    ix = whoosh_backend.open_live(index_root(), create=True)
    holder = ix.writer()  # another writer holds the lock
    try:
        # In-process, right after the commit, the write tries once and leaves the event to the relay.
        ticket = make_ticket(customer, subject="잠김 시험", body="색인이 잠겨 있어요")  # the commit succeeds
        (event,) = [e for e in search_events() if e.payload["ticket_ids"] == [ticket.id]]
        assert event.delivered_at is None and "locked" in (event.last_error or "")
    finally:
        holder.cancel()
    # The relay (the embedded ticker, or the worker's scheduler) hands it over again.
    from app.jobs.dispatch import process_event

    process_event(event.id)
    assert found(lead, "잠김") == [ticket.number]


@pytest.mark.backends("whoosh")
def test_incremental_commits_keep_the_segments_few_and_the_timer_merges_them(app, lead, customer):
    from app.jobs.periodic import SCHEDULE, search_merge_job

    tickets = [make_ticket(customer, subject=f"병합 시험 {i}", body=f"세그먼트 {i}번 문의") for i in range(20)]
    ix = whoosh_backend.open_live(index_root(), create=False)
    try:
        # Twenty commits, a small segment each: folded together as they pile up, never twenty.
        assert 1 < len(ix._segments()) <= whoosh_backend.TINY_SEGMENTS_KEPT
    finally:
        ix.close()
    assert search_merge_job() <= 2
    # Merged, every ticket is still found once.
    assert sorted(found(lead, "세그먼트")) == sorted(t.number for t in tickets)
    assert ("app.jobs.periodic.search_merge_job", "search", 300) in SCHEDULE


def test_check_reports_drift_and_reindex_rebuilds(app, lead, customer, runner, unindex, search_backend):
    a = make_ticket(customer, subject="첫째 문의", body="가방 지퍼 불량")
    b = make_ticket(customer, subject="둘째 문의", body="지갑 색상 문의")
    assert maintenance.check().clean
    unindex(a.id)  # drift: the index lost a ticket
    drift = maintenance.check()
    assert drift.missing == [a.id] and not drift.clean
    assert found(lead, "지퍼") == []
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "missing from the index: 1" in result.output
    assert f"backend {search_backend}" in result.output

    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 2 ticket(s)" in result.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    whoosh_backend.forget_searchers()
    assert found(lead, "지퍼") == [a.number] and found(lead, "지갑") == [b.number]


@pytest.mark.backends("whoosh")
def test_reindex_swaps_in_a_new_generation_and_removes_the_old(app, lead, customer, runner):
    a = make_ticket(customer, subject="첫째 문의", body="가방 지퍼 불량")
    root = index_root()
    first = whoosh_backend.live_generation(root)
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    second = whoosh_backend.live_generation(root)
    assert second != first and not os.path.exists(os.path.join(root, first))
    whoosh_backend.forget_searchers()
    assert found(lead, "지퍼") == [a.number]


def test_check_fix_indexes_drifted_tickets(app, lead, customer, runner, unindex):
    a = make_ticket(customer, subject="문의", body="우산 파손")
    unindex(a.id)
    result = runner.invoke(args=["search", "check", "--fix"])
    assert result.exit_code == 0 and "indexed again" in result.output
    assert maintenance.check().clean
    assert found(lead, "우산") == [a.number]


def test_one_event_per_unit_of_work_however_many_tickets(lead, customer):
    make_ticket(customer, subject="하나", body="첫째", commit=False)
    make_ticket(customer, subject="둘", body="둘째", commit=False)
    unit_of_work.commit()
    (event,) = search_events()[-1:]
    assert len(event.payload["ticket_ids"]) == 2
    assert db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.kind == KIND)) == 1


@pytest.mark.backends("whoosh")
def test_an_index_of_another_schema_version_is_never_written_to(app, lead, customer, monkeypatch):
    from app.domain import search_text

    make_ticket(customer, subject="옛 색인", body="이전 버전")
    old = whoosh_backend.live_generation(index_root())
    monkeypatch.setattr(search_text, "ANALYSIS_VERSION", search_text.ANALYSIS_VERSION + 1)
    whoosh_backend.forget_searchers()
    assert found(lead, "이전") == []            # not read with this code's fields
    assert maintenance.check().no_index           # check says: reindex
    ticket = make_ticket(customer, subject="새 색인", body="다음 버전")
    assert whoosh_backend.live_generation(index_root()) != old
    assert found(lead, "다음") == [ticket.number]
