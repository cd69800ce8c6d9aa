"""People who use the desk: customers, sellers, agents, leads, admins, integrations."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from app.domain.access import ActorView
from app.domain.vocabulary import STAFF_ROLES, Membership
from app.extensions import db
from app.models.types import UTCDateTime


def hash_password(password: str) -> str:
    """A salted hash by the configured method (scrypt unless a test config says otherwise)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), index=True)
    membership: Mapped[str] = mapped_column(String(10), default=Membership.BASIC)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An agent who is away gets no new tickets by auto-assignment.
    available: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Bumped on password change, reset and deactivation so old sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When an admin deactivated the account (None while active); the history stays.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last reset email: at most one per account every couple of minutes (no mail-bombing).
    password_reset_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A lead who chose one SLA summary a day instead of a notification per warning and breach
    # (services/sla/digest.py), and the Seoul day the last summary was claimed.
    sla_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sla_digest_sent_on: Mapped[date | None] = mapped_column(Date)

    queues = relationship("SupportQueue", secondary="queue_members", back_populates="members",
                          lazy="select")

    @validates("email")
    def _lowercase_email(self, _key: str, value: str) -> str:
        # Sign-in and the duplicate check both rely on emails being stored lower-case.
        return (value or "").strip().lower()

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_plus(self) -> bool:
        return self.membership == Membership.PLUS

    @property
    def queue_ids(self) -> frozenset[int]:
        return frozenset(q.id for q in self.queues)

    def actor(self) -> ActorView:
        """The plain view of this user the access rules take."""
        return ActorView(id=self.id, role=self.role, queue_ids=self.queue_ids)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="joined")


class UserSession(db.Model):
    """A signed-in browser: the cookie carries a random id, the desk keeps its SHA-256.

    Flask's session cookie is signed, not stored, so deleting it on the client ends nothing: a copy
    taken before logout would still work. Every request checks the id against this table, so
    logout, a password change or reset and deactivation end the session everywhere.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
