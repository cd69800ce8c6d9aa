"""Stored XSS: payloads in every user-controlled field that is ever shown never become live markup.

Checked in a real Chromium: the payload is planted through the services (as a customer, an agent,
the shop would), every page that shows it is opened, and then no script ran (no dialog, no
``window.__xss``), no injected element exists in the DOM, and the payload is on the page as text.
"""
from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import FileStorage

from app.services import unit_of_work
from app.services.desk.canned import AnswerInput
from app.services.desk.canned import create as create_canned
from app.services.desk.workspace import change_tags, save_view
from app.services.tickets.core import add_message, create_ticket
from tests.factories import PASSWORD, make_policy_order, make_user, png_bytes

# One payload per context a value can land in: element text, an attribute, a URL, a script.
PAYLOADS = [
    '<b id="xss-probe">x</b><img src=x onerror="window.__xss=1">',
    '"><svg onload="window.__xss=1" id="xss-probe">',
    "'><script>window.__xss=1</script>",
    "javascript:window.__xss=1//",
]


@pytest.fixture()
def planted(app):
    now = datetime.now(UTC)
    payload = PAYLOADS[0]
    customer = make_user("customer", name=PAYLOADS[1][:60])
    agent = make_user("agent", name=PAYLOADS[2][:60], queues=["orders", "general"])
    make_user("lead", name="박팀장")
    order = make_policy_order(customer, "delivered", [{"name": PAYLOADS[0], "unit_price": 12000, "quantity": 1},
                                                     {"name": PAYLOADS[3], "unit_price": 1000, "quantity": 1}])
    screenshot = FileStorage(io.BytesIO(png_bytes()), filename='"><img src=x onerror=window.__xss=1>.png',
                             content_type="image/png")
    ticket = create_ticket(customer, category_code="delivery", subject=payload, body="\n".join(PAYLOADS),
                           order_number=order.number, files=[screenshot], now=now)
    unit_of_work.commit()
    add_message(agent, ticket, body=PAYLOADS[1], internal=False, files=[], now=now)
    add_message(agent, ticket, body="내부 전용 메모 " + PAYLOADS[2], internal=True, files=[], now=now)
    change_tags(agent, ticket, add='<i id="xss-probe">t</i>', now=now)
    create_canned(agent, AnswerInput(title=PAYLOADS[0][:100], body_ko="{{ customer.name }} 님, " + PAYLOADS[1]),
                  now=now)
    save_view(agent, name=PAYLOADS[1][:60], filters={"status": "open"}, shared=False, now=now)
    unit_of_work.commit()
    return {"customer": customer, "agent": agent, "ticket": ticket.number, "order": order.number}


def _assert_inert(window, path: str) -> None:
    window.go(path)
    window.page.wait_for_load_state("load")
    assert window.page.evaluate("window.__xss") is None, f"script ran on {path}"
    assert window.page.locator("#xss-probe").count() == 0, f"injected element on {path}"
    assert not window.dialogs, f"dialog on {path}: {window.dialogs}"


def test_payloads_render_as_text_for_the_customer(planted, person):
    window = person("phone")
    window.sign_in(planted["customer"].email, PASSWORD)
    for path in ("/inquiries", f"/inquiries/{planted['ticket']}", "/orders", f"/orders/{planted['order']}",
                 f"/orders/{planted['order']}/claim?kind=refund", "/notifications"):
        _assert_inert(window, path)
    window.go(f"/inquiries/{planted['ticket']}")
    assert 'id="xss-probe"' in window.text()  # shown as the text it is
    assert "내부 전용 메모" not in window.text()  # the internal note is not shown at all
    window.shot("customer-inquiry")


def test_payloads_render_as_text_for_the_desk(planted, person):
    window = person("desktop")
    window.sign_in(planted["agent"].email, PASSWORD)
    for path in ("/desk", "/desk?view=unassigned", f"/desk/tickets/{planted['ticket']}", "/desk/canned",
                 f"/orders/{planted['order']}", "/notifications"):
        _assert_inert(window, path)
    window.go(f"/desk/tickets/{planted['ticket']}")
    assert 'id="xss-probe"' in window.text()
    window.shot("agent-ticket")
    # the canned answer's preview, rendered for this ticket by the picker's script
    window.page.fill("#canned-q", "b")
    window.page.wait_for_timeout(800)
    assert window.page.evaluate("window.__xss") is None
    assert window.page.locator("#xss-probe").count() == 0


def test_payloads_render_as_text_for_the_admin(planted, person):
    admin = make_user("admin", name="관리자")
    window = person("desktop")
    window.sign_in(admin.email, PASSWORD)
    for path in ("/admin/", f"/desk/tickets/{planted['ticket']}", "/admin/operations"):
        _assert_inert(window, path)
