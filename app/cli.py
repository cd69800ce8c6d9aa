"""Operator commands: flask users create, flask tokens create, flask seed defaults|demo."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.domain.errors import DomainError
from app.domain.vocabulary import HUMAN_ROLES, Role
from app.services import unit_of_work
from app.web.clock import utcnow

users_cli = AppGroup("users", help="Manage accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")
seed_cli = AppGroup("seed", help="Load default or demo data.")
sla_cli = AppGroup("sla", help="SLA timers.")
search_cli = AppGroup("search", help="The search index.")


@search_cli.command("reindex")
def search_reindex_command():
    """Rebuild the search index from the database and swap it in atomically."""
    from app.services.search import maintenance
    from app.services.search.documents import all_ticket_ids

    total = len(all_ticket_ids())
    with click.progressbar(length=total, label="indexing tickets", show_pos=True) as bar:
        done = maintenance.reindex(bar.update)
    click.echo(f"indexed {done} ticket(s); the new index is live")


@search_cli.command("check")
@click.option("--fix", is_flag=True, help="Index the tickets that drifted.")
def search_check_command(fix):
    """Compare the search index with the database and report drift (exit 1 when there is drift)."""
    from app.services import search
    from app.services.search import maintenance

    drift = maintenance.check()
    click.echo(f"backend {search.backend_name()}: {drift.tickets} ticket(s) in the database, "
               f"{drift.indexed} in the index")
    if drift.no_index:
        click.echo("no index yet: run `flask search reindex`")
    for label, ids in (("missing from the index", drift.missing), ("deleted but still indexed", drift.extra),
                       ("changed since indexed", drift.stale)):
        if ids:
            shown = ", ".join(str(i) for i in ids[:20]) + (" …" if len(ids) > 20 else "")
            click.echo(f"{label}: {len(ids)} (ticket ids {shown})")
    if drift.clean:
        click.echo("no drift")
        return
    if fix:
        from app.services import unit_of_work

        search.index_tickets(drift.missing + drift.extra + drift.stale)
        unit_of_work.commit()
        click.echo("drifted tickets indexed again")
        return
    raise SystemExit(1)


@sla_cli.command("targets")
def sla_targets_command():
    """Recompute every ticket's SLA targets from its history (once, after upgrading to them)."""
    from app.services.sla.clock import rebuild_targets
    from app.web.clock import utcnow

    click.echo(f"SLA targets recomputed for {rebuild_targets(utcnow())} ticket(s)")


@sla_cli.command("sweep")
def sla_sweep_command():
    """Run the SLA sweep once now (the worker runs it every minute)."""
    from app.jobs.periodic import sla_sweep_job

    result = sla_sweep_job()
    click.echo(f"checked {result['checked']}, warned {result['warned']}, breached {result['breached']}")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True,
              type=click.Choice([r.value for r in Role if r in HUMAN_ROLES]))
@click.option("--password", required=True)
@click.option("--name", default=None)
@click.option("--plus", is_flag=True, help="A 위메프플러스 member (customers).")
@click.option("--queue", "queues", multiple=True, help="Queue slug the agent works (repeatable).")
def create_user_command(email, role, password, name, plus, queues):
    """Create an account: flask users create EMAIL --role ROLE --password PW."""
    from app.services.accounts.users import create_user

    try:
        user = create_user(email, role=role, password=password, name=name, plus=plus,
                           queue_slugs=list(queues), now=utcnow())
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        raise click.ClickException(f"{exc.message_ko} / {exc.message_en}") from None
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@tokens_cli.command("create")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([Role.INTEGRATION.value]))
def create_token_command(name, role):
    """Create a long-lived integration token; the token is printed on the last line."""
    from app.services.accounts.users import create_integration

    try:
        token, user = create_integration(name, utcnow())
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        raise click.ClickException(f"{exc.message_ko} / {exc.message_en}") from None
    click.echo(f"integration token for {user.name} (keep it secret; it is shown once):")
    click.echo(token)


@seed_cli.command("defaults")
def seed_defaults_command():
    """Create the default queues and the eight categories (idempotent)."""
    from app.seed.defaults import ensure_default_catalogue

    ensure_default_catalogue()
    unit_of_work.commit()
    click.echo("default queues and categories are in place")


@seed_cli.command("demo")
@click.option("--force", is_flag=True, help="Load even if demo data is already there.")
def seed_demo_command(force):
    """Load the demo desk once: staff, customers, orders and tickets, in Korean."""
    from app.seed.demo import DEMO_PASSWORD, demo_logins, load_demo

    if not load_demo(utcnow(), force=force):
        click.echo("demo data already loaded")
    else:
        unit_of_work.commit()
        click.echo("demo data loaded")
    click.echo(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in demo_logins():
        click.echo(f"  {role:<9} {email}")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(sla_cli)
    app.cli.add_command(search_cli)
