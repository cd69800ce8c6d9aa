"""Nothing of an internal note, and nothing of another customer, reaches a customer: not in pages,
the API, in-app notifications or emails."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Notification
from app.services import unit_of_work
from app.services.tickets.core import add_message, update_ticket
from tests.factories import PASSWORD, bearer, make_ticket, make_user
from tests.journeys.browser import mail_to

SECRET = "INTERNAL-ONLY-4471 판매자 원가 문제"


def test_internal_notes_and_other_customers_never_reach_a_customer(app, browser, web_app, mail_dir):
    owner = make_user("customer", name="김민지", email="owner@example.com")
    stranger = make_user("customer", name="이준호", email="stranger@example.com")
    agent = make_user("agent", name="김상담", queues=["general"])
    now = datetime.now(UTC)
    mine = make_ticket(owner, subject="재입고 문의")
    theirs = make_ticket(stranger, subject="STRANGER-SUBJECT-99", body="STRANGER-BODY-99")
    for ticket in (mine, theirs):
        add_message(agent, ticket, body=SECRET, internal=True, files=[], now=now)
        add_message(agent, ticket, body="공개 답변입니다.", internal=False, files=[], now=now)
        update_ticket(agent, ticket, status="solved", now=now)
    unit_of_work.commit()

    person = browser()
    person.sign_in(owner.email, PASSWORD)
    pages = [person.get(path).html for path in ("/inquiries", f"/inquiries/{mine.number}", "/notifications")]
    api = web_app.test_client()
    token = bearer(owner)
    pages += [api.get(path, headers=token).get_data(as_text=True)
              for path in ("/api/v1/tickets", f"/api/v1/tickets/{mine.number}")]
    mails = mail_to(mail_dir, owner.email)
    notices = [str(n.data) for n in db.session.scalars(select(Notification).where(Notification.user_id == owner.id))]
    assert mails and notices and "공개 답변입니다." in pages[1]
    for seen in pages + mails + notices:
        assert SECRET not in seen
        assert "STRANGER-SUBJECT-99" not in seen and "STRANGER-BODY-99" not in seen
        assert theirs.number not in seen and "stranger@example.com" not in seen
