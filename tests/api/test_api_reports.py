"""GET /api/v1/reports/sla: the September figures of tests/report_setup.py, for leads and admins only."""
from __future__ import annotations

import pytest

from tests.api.test_api_tickets import assert_error
from tests.factories import bearer, make_user
from tests.report_setup import build_september

SEPTEMBER = "from=2026-09-01&to=2026-09-30"


def test_a_lead_reads_the_report_as_json(app, client):
    lead = build_september()["lead"]
    body = client.get(f"/api/v1/reports/sla?{SEPTEMBER}&group_by=week", headers=bearer(lead)).get_json()
    assert (body["from"], body["to"], body["group_by"]) == ("2026-09-01", "2026-09-30", "week")
    assert body["total"]["first_response"] == {"met": 3, "breached": 2, "met_percent": 60.0, "answered": 5,
                                               "median_minutes": 300.0, "p90_minutes": 612.0}
    assert body["total"]["resolution"]["p90_minutes"] == 1164.0
    assert [r["key"] for r in body["rows"]] == ["2026-08-31", "2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28"]
    by_queue = client.get(f"/api/v1/reports/sla?{SEPTEMBER}&queue=orders", headers=bearer(lead)).get_json()
    assert by_queue["total"]["first_response"]["breached"] == 1 and by_queue["total"]["first_response"]["met"] == 0


def test_only_leads_and_admins(app, client):
    people = build_september()
    admin = make_user("admin")
    assert client.get(f"/api/v1/reports/sla?{SEPTEMBER}", headers=bearer(admin)).status_code == 200
    for who in (people["agent"], make_user("customer"), make_user("integration")):
        assert_error(client.get(f"/api/v1/reports/sla?{SEPTEMBER}", headers=bearer(who)), 403, "forbidden")
    assert_error(client.get("/api/v1/reports/sla"), 401)


@pytest.mark.parametrize(("query", "status", "field"), [
    ("from=2026-13-01", 400, "from"), ("to=yesterday", 400, "to"), ("from=2026-09-30&to=2026-09-01", 422, "to"),
    ("from=2024-01-01&to=2026-09-01", 422, "to"), ("group_by=planet", 422, "group_by"),
    ("membership=gold", 422, "membership"), ("assignee=abc", 400, "assignee"), ("from=2026-09-01&from=2026-09-02", 400,
                                                                         "from"),
])
def test_bad_queries_are_refused_with_the_field(app, client, query, status, field):
    lead = make_user("lead")
    assert_error(client.get(f"/api/v1/reports/sla?{query}", headers=bearer(lead)), status, "validation_failed",
                 {field})
