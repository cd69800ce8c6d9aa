"""A lead's journey through the other reports: from the overview's backlog figures and breach
counts to the tickets behind them, the backlog, volume, agents and claims tabs, and each CSV.

The September of tests/report_setup.py is read today (the pages' clock), when T4 and T5 are
both past their resolution due time: 2 open, 2 breaching, none at risk.
"""
from __future__ import annotations

import csv
import io

from tests.factories import PASSWORD, make_user
from tests.refund_setup import approved_refund
from tests.report_setup import build_september

SEPTEMBER = {"from": "2026-09-01", "to": "2026-09-30"}


def _csv(me, page):
    link = page.soup.find("a", string=lambda s: s and "CSV" in s)["href"]
    download = me.request("GET", link)
    assert download.status == 200 and download.headers["Content-Type"].startswith("text/csv")
    assert download.html.startswith("\ufeff")
    return list(csv.reader(io.StringIO(download.html.lstrip("\ufeff"))))


def _row(page, selector):
    row = page.soup.select_one(selector)
    assert row is not None, selector
    return [" ".join(td.get_text(" ").split()) for td in row.find_all("td")]


def test_from_a_breach_count_to_the_tickets_behind_it(app, browser):
    people = build_september()
    me = browser()
    me.sign_in(people["lead"].email, PASSWORD)
    page = me.get("/desk/reports", query={**SEPTEMBER, "group_by": "queue"})
    glance = {d["data-glance"]: d.strong.get_text(strip=True) for d in page.soup.select(".backlog-glance .stat")}
    assert glance == {"open": "2", "breaching": "2", "at_risk": "0"}
    # The breaching figure opens the desk list it counts.
    listed = me.get(page.soup.select_one('[data-glance="breaching"] a')["href"])
    assert listed.status == 200 and {"T4", "T5"} <= set(listed.text.split())

    # The orders queue's first-response breach count → that one target.
    orders_row = next(tr for tr in page.soup.select("tbody tr") if "주문·배송·클레임" in tr.th.get_text())
    link = orders_row.find_all("td")[1].a
    assert link.get_text(strip=True) == "1"
    breaches = me.get(link["href"])
    assert breaches.status == 200 and "기한을 넘긴 목표" in breaches.text
    assert [tr["data-ticket"] for tr in breaches.soup.select("tbody tr")] == [
        tr["data-ticket"] for tr in breaches.soup.select('tbody tr[data-metric="first_response"]')]
    assert len(breaches.soup.select("tbody tr")) == 1
    ticket = me.get(breaches.soup.select_one("tbody tr a")["href"])
    assert ticket.status == 200 and "T4" in ticket.text

    # All first-response breaches of the month: T2 and T4.
    everything = me.get(page.soup.select_one('.stat[data-metric="first_response"] a')["href"])
    subjects = [tr.find_all("td")[1].get_text(strip=True) for tr in everything.soup.select("tbody tr")]
    assert sorted(subjects) == ["T2", "T4"]
    assert me.get("/desk/reports/breaches", query={**SEPTEMBER, "metric": "lunch"}).status == 200


def test_backlog_volume_and_agents_tabs_agree_with_their_csv(app, browser):
    people = build_september()
    me = browser()
    me.sign_in(people["lead"].email, PASSWORD)
    overview = me.get("/desk/reports", query=SEPTEMBER)
    tabs = {a.get_text(strip=True): a["href"] for a in overview.soup.select(".report-tabs a")}
    assert {"SLA", "밀린 문의", "문의량", "상담원", "취소·환불", "만족도"} <= set(tabs)

    backlog = me.get(tabs["밀린 문의"])
    assert backlog.status == 200
    assert _row(backlog, 'tr[data-status="open"]') == ["0", "0", "0", "0", "2", "2"]   # both 14일 이상 by now
    rows = _csv(me, backlog)
    assert ["open", "처리중", "0", "0", "0", "0", "2", "2"] in rows

    volume = me.get(tabs["문의량"])
    assert _row(volume, 'tr[data-day="2026-09-09"]') == ["0", "1"]
    assert _row(volume, 'tr[data-day="total"]') == ["5", "3"]
    assert "2026-09-24 · 접수 1" in volume.soup.select_one("figure svg").get_text(" ")
    rows = _csv(me, volume)
    assert rows[-1][:3] == ["합계", "5", "3"] and len(rows) == 32

    agents = me.get(tabs["상담원"])
    kim = _row(agents, f'tr[data-agent="{people["agent"].id}"]')
    assert kim[:3] == ["2", "7", "4시간 30분"]        # solved, replies, median handling 270 minutes
    assert _row(agents, 'tr[data-agent="total"]')[:3] == ["3", "7", "5시간 0분"]
    rows = _csv(me, agents)
    assert [str(people["agent"].id), "김상담", "2", "7", "270", "2", "", "0", "0"] in rows


def test_the_claims_tab_shows_amounts_and_what_is_overdue(app, browser):
    customer = make_user("customer")
    approved_refund(customer, requested_days_ago=10)
    lead = make_user("lead")
    me = browser()
    me.sign_in(lead.email, PASSWORD)
    page = me.get("/desk/reports/claims")
    assert page.status == 200
    assert _row(page, 'tr[data-kind="cancel"]') == ["1", "1", "0", "₩27,000", "₩27,000", "0", "1", "₩27,000"]
    overdue = page.soup.select_one('[data-total="overdue"] a')
    assert overdue.get_text(strip=True) == "1" and me.get(overdue["href"]).status == 200
    rows = _csv(me, page)
    assert rows[1] == ["cancel", "주문 취소", "1", "1", "0", "27000", "27000", "0", "1", "27000"]


def test_the_tabs_read_in_english_and_refuse_a_backwards_range(app, browser):
    people = build_september()
    me = browser()
    me.sign_in(people["lead"].email, PASSWORD)
    page = me.get("/desk/reports/volume", query=SEPTEMBER)
    page = page.form(action="/language").submit("English")
    assert page.path == "/desk/reports/volume" and "Volume" in page.text
    backwards = me.get("/desk/reports/agents", query={"from": "2026-09-30", "to": "2026-09-01"})
    assert backwards.status == 200 and "from before to" in backwards.text


def test_agents_and_customers_get_none_of_the_tabs(app, browser):
    people = build_september()
    agent = browser()
    agent.sign_in(people["agent"].email, PASSWORD)
    for path in ("/desk/reports/backlog", "/desk/reports/volume.csv", "/desk/reports/agents",
                 "/desk/reports/claims.csv", "/desk/reports/breaches"):
        assert agent.get(path).status == 403, path
