"""A lead's journey: sign in, land on the report overview, read the September figures in the table and
the charts, narrow them, download the CSV Excel opens; nobody else gets in."""
from __future__ import annotations

import csv
import io

from tests.factories import PASSWORD, make_user
from tests.report_setup import build_september

SEPTEMBER = {"from": "2026-09-01", "to": "2026-09-30"}


def _cells(page, key: str) -> list[str]:
    row = page.soup.select_one(f'tr[data-key="{key}"]')
    assert row is not None, f"no row {key}"
    return [" ".join(td.get_text(" ").split()) for td in row.find_all("td")]


def test_a_lead_lands_on_the_reports_and_reads_the_hand_computed_figures(app, browser):
    people = build_september()
    me = browser()
    landing = me.sign_in(people["lead"].email, PASSWORD)
    assert landing.path == "/desk/reports" and "SLA 보고서" in landing.text
    assert "보고서" in landing.soup.select_one("nav").get_text()

    page = me.get("/desk/reports", query={**SEPTEMBER, "group_by": "queue"})
    assert page.status == 200
    # first response met/breached/median/p90, next reply …, resolution …
    assert _cells(page, "all") == ["3", "2 (60.0%)", "5시간 0분", "10시간 12분",
                                   "2", "0 (100.0%)", "1시간 15분", "1시간 27분",
                                   "3", "1 (75.0%)", "5시간 0분", "19시간 24분"]
    total = page.soup.select_one('.stat[data-metric="first_response"]').get_text(" ")
    assert "60.0%" in total and "준수 3 · 위반 2" in total
    # The charts draw the same counts as the table (one bar pair per queue).
    charts = page.soup.select("figure.report-chart svg")
    assert len(charts) == 2
    assert "3 / 1 (75.0%)" in charts[0].get_text(" ") and "0 / 1 (0.0%)" in charts[0].get_text(" ")

    by_week = me.get("/desk/reports", query={**SEPTEMBER, "group_by": "week"})
    assert [tr["data-key"] for tr in by_week.soup.select("tbody tr")] == [
        "2026-08-31", "2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28", "all"]

    plus = me.get("/desk/reports", query={**SEPTEMBER, "membership": "plus"})
    assert _cells(plus, "all")[:2] == ["0", "1 (0.0%)"]

    csv_link = page.soup.find("a", string=lambda s: s and "CSV" in s)["href"]
    download = me.request("GET", csv_link)
    assert download.status == 200 and download.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.html.startswith("\ufeff")  # Excel reads UTF-8 Korean with the BOM
    rows = list(csv.DictReader(io.StringIO(download.html.lstrip("\ufeff"))))
    total_row = next(r for r in rows if r["group"] == "all")
    assert (total_row["label"], total_row["first_response_met"], total_row["first_response_breached"],
            total_row["first_response_p90_minutes"]) == ("합계", "3", "2", "612")
    assert {r["label"] for r in rows} == {"일반·회원·판매자", "주문·배송·클레임", "합계"}


def test_a_backwards_range_is_explained_not_an_error(app, browser):
    people = build_september()
    me = browser()
    me.sign_in(people["lead"].email, PASSWORD)
    page = me.get("/desk/reports", query={"from": "2026-09-30", "to": "2026-09-01"})
    assert page.status == 200 and "기간은 1년 이내" in page.text
    assert me.get("/desk/reports", query={"from": "garbage", "group_by": "planet"}).status == 200


def test_agents_and_customers_do_not_get_the_reports(app, browser):
    people = build_september()
    agent, customer = browser(), browser()
    landing = agent.sign_in(people["agent"].email, PASSWORD)
    assert landing.path != "/desk/reports" and "보고서" not in landing.soup.select_one("nav").get_text()
    assert agent.get("/desk/reports").status == 403
    assert agent.get("/desk/reports/sla.csv").status == 403
    someone = make_user("customer")
    customer.sign_in(someone.email, PASSWORD)
    assert customer.get("/desk/reports").status == 403


def test_the_report_reads_in_english(app, browser):
    people = build_september()
    me = browser()
    me.sign_in(people["lead"].email, PASSWORD)
    page = me.get("/desk/reports", query={**SEPTEMBER, "group_by": "week"})
    page = page.form(action="/language").submit("English")
    assert page.path == "/desk/reports" and "SLA report" in page.text
    assert "week of 2026-09-21" in page.text and "Total" in page.text
    assert _cells(page, "all")[2:4] == ["5 h 0 min", "10 h 12 min"]
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in page.soup.select_one("table").get_text())
