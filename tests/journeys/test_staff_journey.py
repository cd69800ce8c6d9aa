"""관리 → 직원 계정: an admin manages staff through the real pages.

A leaver is deactivated: their open browser is signed out on its next request, they cannot
sign in, their API token is refused, their open tickets go back to the queue (audited),
they are neither offered as an assignee nor auto-assigned, and what they wrote still
carries their name; reactivating lets them sign in again. An agent's queues and role are
edited through the form, and an admin is offered as assignee only in queues they work.
"""
from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, SupportQueue, Ticket
from app.services import unit_of_work
from tests.factories import PASSWORD, make_order, make_ticket, make_user


def _admin_browser(browser, admin):
    page = browser().sign_in(admin.email, PASSWORD)
    assert page.path == "/desk", page.text
    return page.browser


def _staff_page(admin_browser, user):
    """The staff member's page, reached from their row of the staff table."""
    listing = admin_browser.get("/admin/")
    return admin_browser.get(listing.soup.select_one(f"#staff-{user.id} a")["href"])


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_an_admin_deactivates_a_leaver_and_later_reactivates_them(app, browser):
    admin = make_user("admin", name="최관리")
    leaver = make_user("agent", name="박퇴사", email="leaver@test.munui.kr", queues=["orders"])
    colleague = make_user("agent", name="이동료", email="colleague@test.munui.kr", queues=["orders"])
    customer = make_user("customer", name="김민지")
    open_ticket = make_ticket(customer, category="delivery", subject="배송이 안 왔어요")
    solved_ticket = make_ticket(customer, category="delivery", subject="이미 해결된 문의")
    for ticket, status in ((open_ticket, "open"), (solved_ticket, "solved")):
        ticket.assignee_id = leaver.id
        ticket.status = status
    unit_of_work.commit()

    # The leaver is at work: signed in, answering, with an API token.
    desk = browser()
    assert desk.sign_in("leaver@test.munui.kr", PASSWORD).path == "/desk"
    page = desk.get(f"/desk/tickets/{open_ticket.number}")
    page = page.form(action="/messages").fill(body="판매자에게 확인하고 있습니다.").submit()
    assert "답변을 보냈습니다." in " ".join(page.flashes())
    token = desk.client.post("/api/v1/auth/tokens", json={"email": leaver.email, "password": PASSWORD}) \
        .get_json()["token"]

    boss = _admin_browser(browser, admin)
    listing = boss.get("/admin/")
    row = " ".join(listing.soup.select_one(f"#staff-{leaver.id}").get_text(" ").split())
    assert "상담원" in row and "주문·배송·클레임" in row and "활성" in row
    assert "agent" not in row and "orders" not in row
    page = boss.get(listing.soup.select_one(f"#staff-{leaver.id} a")["href"])
    assert page.path == f"/admin/users/{leaver.id}"
    assert "미해결 문의 1건" in page.text and open_ticket.number in page.text
    page = page.form(action="/deactivate").submit()
    flash = " ".join(page.flashes())
    assert "박퇴사 계정을 비활성화했습니다" in flash and "미해결 문의 1건" in flash and "미배정" in flash
    assert "비활성" in page.text and page.has_form(action="/reactivate")
    row = " ".join(boss.get("/admin/").soup.select_one(f"#staff-{leaver.id}").get_text(" ").split())
    assert "비활성" in row

    # Shut out everywhere.
    assert desk.get("/desk").path == "/login"
    refused = browser().sign_in("leaver@test.munui.kr", PASSWORD)
    assert refused.path == "/login" and "이메일 또는 비밀번호가 맞지 않습니다." in refused.text
    assert desk.client.get("/api/v1/me", headers=_bearer(token)).status_code == 401

    # The open ticket is back in the queue's unassigned view (audited); the solved one keeps its history.
    db.session.expire_all()
    assert db.session.get(Ticket, open_ticket.id).assignee_id is None
    assert db.session.get(Ticket, solved_ticket.id).assignee_id == leaver.id
    event = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.ticket_id == open_ticket.id, AuditEvent.action == "assignee")).all()[-1]
    assert (event.old_value, event.new_value, event.actor_id) == ("박퇴사", None, admin.id)
    other = browser()
    other.sign_in("colleague@test.munui.kr", PASSWORD)
    assert open_ticket.number in other.get("/desk?view=unassigned").text

    # Not offered as assignee; what they wrote still carries their name.
    page = other.get(f"/desk/tickets/{open_ticket.number}")
    assignees = page.form(action="/update").options["assignee_id"]
    assert str(leaver.id) not in assignees and str(colleague.id) in assignees
    (reply,) = [m for m in page.soup.select("article.message") if "판매자에게 확인하고 있습니다." in m.get_text()]
    assert "박퇴사" in reply.header.get_text()
    mine = browser()
    mine.sign_in(customer.email, PASSWORD)
    assert "박퇴사" in mine.get(f"/inquiries/{open_ticket.number}").text

    # Not auto-assigned: round-robin in the orders queue passes over them.
    db.session.scalars(db.select(SupportQueue).where(SupportQueue.slug == "orders")).one() \
        .assignment_mode = "round_robin"
    unit_of_work.commit()
    for _ in range(3):
        new = make_ticket(customer, category="delivery", order=make_order(customer), subject="새 문의")
        assert new.assignee_id == colleague.id

    # Reactivated, the leaver signs in again (the old token stays dead).
    page = _staff_page(boss, leaver).form(action="/reactivate").submit()
    assert "다시 활성화했습니다" in " ".join(page.flashes())
    assert browser().sign_in("leaver@test.munui.kr", PASSWORD).path == "/desk"
    assert desk.client.get("/api/v1/me", headers=_bearer(token)).status_code == 401

    # Every step is in the account's trail, with who did it.
    trail = _staff_page(boss, leaver).soup.select(".account-event")
    assert [e["data-action"] for e in trail] == ["reactivated", "deactivated"]
    assert all("최관리" in e.get_text() for e in trail)


def test_an_admin_cannot_deactivate_themself(app, browser):
    admin = make_user("admin", name="최관리")
    boss = _admin_browser(browser, admin)
    page = _staff_page(boss, admin).form(action="/deactivate").submit()
    assert "자기 계정은 비활성화할 수 없습니다." in " ".join(page.flashes())
    assert boss.get("/admin/").status == 200   # still signed in, still an admin
    page = _staff_page(boss, admin).form("#staff-edit").fill(role="agent").submit()
    assert page.status == 409 and "자기 계정의 관리자 역할은 바꿀 수 없습니다" in page.text


def test_an_admin_edits_an_agents_queues_and_role_through_the_form(app, browser):
    admin = make_user("admin", name="최관리")
    agent = make_user("agent", name="김상담", queues=["orders"])
    customer = make_user("customer")
    ticket = make_ticket(customer, category="delivery")
    ticket.assignee_id = agent.id
    unit_of_work.commit()

    boss = _admin_browser(browser, admin)
    page = _staff_page(boss, agent)
    form = page.form("#staff-edit")
    assert form.value("role") == "agent" and form.value("queues") == "orders"
    # The choices read as people do: translated roles and queue names.
    labels = [o.get_text() for o in page.soup.select("select[name=role] option")]
    assert labels == ["상담원", "팀장", "관리자", "판매자"]
    assert [o.get_text() for o in page.soup.select("select[name=queues] option")] == [
        "주문·배송·클레임", "일반·회원·판매자"]

    page = form.set("queues", ["general"]).fill(name="김상담 (일반)").submit()
    flash = " ".join(page.flashes())
    assert "김상담 (일반) 님의 정보를 저장했습니다" in flash and "미해결 문의 1건" in flash
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).assignee_id is None
    row = " ".join(boss.get("/admin/").soup.select_one(f"#staff-{agent.id}").get_text(" ").split())
    assert "일반·회원·판매자" in row and "주문·배송·클레임" not in row

    page = _staff_page(boss, agent).form("#staff-edit").fill(role="lead").submit()
    assert "저장했습니다" in " ".join(page.flashes())
    row = " ".join(boss.get("/admin/").soup.select_one(f"#staff-{agent.id}").get_text(" ").split())
    assert "팀장" in row
    trail = page.soup.select(".account-event")
    assert "상담원 → 팀장" in trail[0].get_text(" ")
    assert "주문·배송·클레임 → 일반·회원·판매자" in " ".join(trail[1].get_text(" ").split())

    # A seller cannot be put in a queue; the form says so and nothing changes.
    page = _staff_page(boss, agent).form("#staff-edit").fill(role="seller").submit()
    assert page.status == 422 and "판매자 계정은 큐에 속할 수 없습니다" in " ".join(page.errors())


def test_an_admin_is_offered_as_assignee_only_in_queues_they_work(app, browser):
    admin = make_user("admin", name="최관리")
    lead = make_user("lead", name="정팀장")
    agent = make_user("agent", name="김상담", queues=["orders"])
    customer = make_user("customer")
    ticket = make_ticket(customer, category="delivery")   # the orders queue

    boss = _admin_browser(browser, admin)
    page = boss.get(f"/desk/tickets/{ticket.number}")
    assignees = page.form(action="/update").options["assignee_id"]
    assert str(admin.id) not in assignees
    assert str(lead.id) in assignees and str(agent.id) in assignees   # leads everywhere
    assert not page.has_form(action="/assign-me")
    # "Take next" does not hand an admin a ticket of a queue they do not work.
    page = boss.get("/desk").form(action="/desk/take-next").submit()
    assert "가져올 미배정 문의가 없습니다." in " ".join(page.flashes())

    page = _staff_page(boss, admin).form("#staff-edit").set("queues", ["orders"]).submit()
    assert "저장했습니다" in " ".join(page.flashes())
    page = boss.get(f"/desk/tickets/{ticket.number}")
    assert str(admin.id) in page.form(action="/update").options["assignee_id"]
    page = page.form(action="/assign-me").submit()
    assert "나에게 배정했습니다." in " ".join(page.flashes())
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).assignee_id == admin.id
