"""The new user's walk through the browser: file, answer, read — and nobody else sees it."""
from __future__ import annotations

import io
import os

from app.extensions import db
from app.models import Attachment, Ticket
from tests.factories import login, make_order, make_user, png_bytes


def test_customer_files_agent_answers_customer_reads(app, make_client):
    customer = make_user("customer", name="김민지")
    order = make_order(customer)
    agent = make_user("agent", name="김상담", queues=["orders"])
    other = make_user("customer", name="이준호")

    browser = make_client()
    assert login(browser, customer).status_code == 302
    response = browser.post_form("/inquiries/new", {
        "category": "delivery", "order_number": order.number, "subject": "배송이 아직 안 왔어요",
        "body": "주문한 지 5일이 지났습니다.",
        "files": [(io.BytesIO(png_bytes()), "screenshot.png")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    ticket = db.session.scalars(db.select(Ticket)).one()
    assert response.headers["Location"].endswith(f"/inquiries/{ticket.number}")
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert ticket.number in page and "screenshot.png" in page

    desk = make_client()
    login(desk, agent)
    queue = desk.get("/desk?view=unassigned").get_data(as_text=True)
    assert ticket.number in queue
    assert desk.post_form(f"/desk/tickets/{ticket.number}/messages",
                          {"body": "내일 출고 예정입니다."}).status_code == 302
    assert desk.post_form(f"/desk/tickets/{ticket.number}/messages",
                          {"body": "판매자 통화 완료 — 비공개", "internal": "y"}).status_code == 302

    page = browser.get(f"/inquiries/{ticket.number}").get_data(as_text=True)
    assert "내일 출고 예정입니다." in page
    assert "비공개" not in page
    assert 'data-unread="1"' in page or 'data-unread="2"' in page

    attachment = db.session.scalars(db.select(Attachment)).one()
    stranger = make_client()
    login(stranger, other)
    assert stranger.get(f"/inquiries/{ticket.number}").status_code == 404
    assert stranger.get(f"/attachments/{attachment.id}").status_code == 404
    assert stranger.get(f"/orders/{order.number}").status_code == 404
    download = browser.get(f"/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert os.path.exists(os.path.join(app.config["UPLOAD_DIR"], attachment.stored_name[:2],
                                       attachment.stored_name))
