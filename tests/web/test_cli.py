"""The operator commands: demo data once, staff accounts, integration tokens, the SLA sweep."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Claim, Order, Ticket, User
from app.services.accounts.users import user_for_token
from app.web.clock import utcnow


def test_seed_demo_loads_everything_once(app, runner):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert "demo logins" in result.output and "admin@demo.munui.kr" in result.output
    db.session.expire_all()
    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles == {"admin": 1, "lead": 1, "agent": 3, "customer": 10, "seller": 1}
    assert db.session.scalar(select(func.count()).select_from(User).where(User.membership == "plus")) == 3
    assert db.session.scalar(select(func.count(Order.id))) == 60
    assert {s for (s,) in db.session.execute(select(Order.status).distinct())} >= {
        "payment_pending", "paid", "preparing", "shipped", "delivered", "purchase_confirmed", "cancelled"}
    statuses = {s for (s,) in db.session.execute(select(Ticket.status).distinct())}
    assert statuses == {"new", "open", "pending", "on_hold", "solved", "closed"}
    assert 40 <= db.session.scalar(select(func.count(Ticket.id))) <= 50
    assert db.session.scalar(select(func.count(Claim.id))) >= 4
    again = runner.invoke(args=["seed", "demo"])
    assert "already loaded" in again.output
    assert db.session.scalar(select(func.count(Order.id))) == 60


def test_users_create_and_tokens_create(app, runner):
    result = runner.invoke(args=["users", "create", "Kim@Example.com", "--role", "agent", "--password",
                                 "long-enough-1", "--name", "김상담", "--queue", "orders"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    agent = db.session.scalar(select(User).where(User.email == "kim@example.com"))
    assert agent.role == "agent" and [q.slug for q in agent.queues] == ["orders"]
    refused = runner.invoke(args=["users", "create", "x@example.com", "--role", "agent", "--password", "short"])
    assert refused.exit_code != 0 and "8" in refused.output
    token = runner.invoke(args=["tokens", "create", "--name", "shop", "--role", "integration"])
    assert token.exit_code == 0
    printed = token.output.strip().splitlines()[-1]
    db.session.expire_all()
    assert user_for_token(printed, utcnow()).role == "integration"


def test_sla_sweep_command(app, runner):
    result = runner.invoke(args=["sla", "sweep"])
    assert result.exit_code == 0 and "checked 0" in result.output
