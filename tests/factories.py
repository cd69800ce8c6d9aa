"""Plain functions that make rows with sensible defaults (no fixtures needed)."""
from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta, timezone

from PIL import Image
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Order, User
from app.models.user import hash_password
from app.services import unit_of_work
from app.services.accounts.users import issue_token
from app.services.tickets.core import create_ticket

PASSWORD = "correct-horse-42"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _password_hash(password: str) -> str:
    # Hash the shared test password once per run (the test config's method; see TestingConfig).
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_user(role: str = "customer", *, name: str | None = None, email: str | None = None,
              queues: list[str] | tuple[str, ...] = (), plus: bool = False,
              password: str = PASSWORD, commit: bool = True) -> User:
    from app.models import SupportQueue

    n = next(_counter)
    user = User(email=email or f"{role}{n}@test.munui.kr", name=name or f"{role} {n}", role=role,
                membership="plus" if plus else "basic", password_hash=_password_hash(password),
                active=True, session_version=1, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    user.queues = [db.session.query(SupportQueue).filter_by(slug=slug).one() for slug in queues]
    db.session.add(user)
    db.session.flush()
    if commit:
        unit_of_work.commit()
    return user


def make_order(customer: User, *, status: str = "delivered", number: str | None = None,
               total: int = 32900, commit: bool = True) -> Order:
    n = next(_counter)
    at = datetime(2026, 11, 20, 1, 0, tzinfo=UTC) + timedelta(minutes=n)
    number = number or f"20261120-{n:06d}"
    snapshot = {"order_id": number, "seller_id": "acme", "status": status,
                "lines": [{"line_id": "L1", "sku": "TS-01", "name": "반팔 티셔츠", "unit_price": total,
                           "quantity": 1}],
                "payments": [{"method": "card", "amount": total, "approval_id": f"A-{n}"}]}
    order = Order(number=number, customer_id=customer.id, customer_email=customer.email, seller_id="acme",
                  status=status, total_amount=total, item_summary="반팔 티셔츠", ordered_at=at,
                  snapshot=snapshot, created_at=at, updated_at=at)
    db.session.add(order)
    db.session.flush()
    if commit:
        unit_of_work.commit()
    return order


def make_ticket(requester: User, *, category: str = "product", order: Order | None = None,
                subject: str = "재입고 일정이 궁금합니다", body: str = "품절 상품 재입고 예정이 있나요?",
                files: list | None = None, now: datetime | None = None, commit: bool = True):
    if category in ("order", "delivery", "cancellation", "refund") and order is None:
        order = make_order(requester, commit=False)
    ticket = create_ticket(requester, category_code=category, subject=subject, body=body,
                           order_number=order.number if order else None, files=files or [],
                           now=now or datetime.now(UTC))
    if commit:
        unit_of_work.commit()
    return ticket


def api_token(user: User) -> str:
    token, _row = issue_token(user, name="test", now=datetime.now(UTC), hours=1)
    unit_of_work.commit()
    return token


def bearer(user_or_token) -> dict:
    token = user_or_token if isinstance(user_or_token, str) else api_token(user_or_token)
    return {"Authorization": f"Bearer {token}"}


def png_bytes(size=(8, 8), color=(200, 30, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG carrying EXIF GPS coordinates (Seoul City Hall)."""
    image = Image.new("RGB", (16, 16), (10, 120, 200))
    exif = Image.Exif()
    gps = {1: "N", 2: (37.0, 33.0, 59.0), 3: "E", 4: (126.0, 58.0, 41.0)}
    exif[0x8825] = gps
    exif[0x010F] = "TestCam"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(data: bytes, filename: str, content_type: str = "application/octet-stream") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def login(client, user: User, password: str = PASSWORD):
    return client.post_form("/login", {"email": user.email, "password": password})


def sign_in(client, user: User) -> None:
    """Start a signed-in session without the password round trip (for wide matrices only)."""
    from app.services.accounts.sessions import start_session

    token = start_session(user, datetime.now(UTC), max_age=timedelta(days=14))
    unit_of_work.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["sid"] = token


def multipart(fields: dict, files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser builds it: (body, content type).

    ``files`` are (field, filename, bytes, content type). Like browsers, a quote or a
    line break in a file name is percent-encoded (Werkzeug's test encoder does not).
    """
    boundary = "----MunuiTestBoundary7MA4YWxkTrZu0gW"
    out = io.BytesIO()
    for name, value in fields.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            out.write(str(item).encode() + b"\r\n")
    for name, filename, data, content_type in files:
        quoted = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
                  f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def english(msgid: str) -> str | None:
    """The English translation of a Korean UI text in translations/en (None while untranslated)."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).resolve().parent.parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as fh:
        message = read_po(fh).get(msgid)
    if message is None or not message.string or message.fuzzy:
        return None
    return message.string if isinstance(message.string, str) else message.string[0]


KST_OFFSET = timezone(timedelta(hours=9))
PRE_SHIPMENT_STATUSES = ("payment_pending", "paid", "preparing")
SHIPPED_STATUSES = ("shipped", "delivered", "purchase_confirmed")


def _kst(value: datetime | None) -> str | None:
    return value.astimezone(KST_OFFSET).replace(microsecond=0).isoformat() if value else None


def make_policy_order(customer: User, status: str = "preparing", lines: list[dict] | None = None, *,
                      number: str | None = None, coupon: int = 0, coupon_expires_at: datetime | None = None,
                      coupon_reissuable: bool = True, shipping_fee: int = 0, base_fee: int = 3000,
                      free_threshold: int | None = None, payment_method: str = "card",
                      paid_at: datetime | None = None, refund_account_on_file: bool = True,
                      seller_policy: dict | None = None, commit: bool = True, **snapshot) -> Order:
    """An order whose snapshot is the JSON form of api.md (what the shop pushes), valid for the policy.

    ``lines`` are dicts with at least ``name``, ``unit_price`` and ``quantity`` (line ids L1, L2 …
    and the flags are filled in). Times are relative to the real clock (the pages read it):
    paid two days ago by default, prepared an hour later, shipped a day later, delivered six hours
    after that — as far as ``status`` goes. The total payable (items − coupon + shipping charged)
    is paid with one ``payment_method`` leg; ``snapshot`` overrides any top-level field.
    """
    n = next(_counter)
    number = number or f"20261120-{n:06d}"
    paid = paid_at or (datetime.now(UTC) - timedelta(days=2))
    full_lines = []
    for i, line in enumerate(lines or [{"name": "반팔 티셔츠", "unit_price": 10000, "quantity": 1}], start=1):
        full_lines.append({
            "line_id": f"L{i}", "sku": f"SKU-{i:02d}", "on_sale": False, "perishable": False,
            "reproducible_media": False, "hygiene": False, "custom_made": False, "custom_made_consent": None,
            "restriction_notice_given": True, "earned_points": 0, **line})
    gross = sum(line["unit_price"] * line["quantity"] for line in full_lines)
    total = gross - coupon + shipping_fee
    unpaid = status == "payment_pending"
    shipped = status in SHIPPED_STATUSES
    delivered = status in ("delivered", "purchase_confirmed")
    body = {
        "order_id": number, "seller_id": "acme", "status": status,
        "paid_at": None if unpaid else _kst(paid),
        "preparing_at": _kst(paid + timedelta(hours=1)) if status not in ("payment_pending", "paid") else None,
        "shipped_at": _kst(paid + timedelta(days=1)) if shipped else None,
        "delivered_at": _kst(paid + timedelta(days=1, hours=6)) if delivered else None,
        "confirmed_at": _kst(paid + timedelta(days=1, hours=8)) if status == "purchase_confirmed" else None,
        "promised_delivery_by": None,
        "lines": full_lines,
        "order_coupon": None if not coupon else {
            "coupon_id": f"C-{n}", "amount": coupon, "reissuable": coupon_reissuable,
            "expires_at": _kst(coupon_expires_at or datetime.now(UTC) + timedelta(days=60))},
        "shipping": {"base_fee": base_fee, "fee_charged": shipping_fee,
                     "free_reason": "none" if shipping_fee or free_threshold is None else "threshold",
                     "free_threshold": free_threshold, "plus_member_at_order": False},
        "payments": [] if unpaid or total == 0 else [
            {"method": payment_method, "amount": total, "approval_id": f"A-{n}"}],
        "seller_policy": seller_policy or {"withdrawal_days": None},
        "customer": {"customer_id": f"C{customer.id}", "refund_account_on_file": refund_account_on_file},
    }
    body.update(snapshot)
    first = full_lines[0]["name"]
    summary = first + (f" 외 {len(full_lines) - 1}건" if len(full_lines) > 1 else "")
    order = Order(number=number, customer_id=customer.id, customer_email=customer.email, seller_id="acme",
                  status=status, total_amount=total, item_summary=summary, ordered_at=paid, snapshot=body,
                  version=1, created_at=paid, updated_at=paid)
    db.session.add(order)
    db.session.flush()
    if commit:
        unit_of_work.commit()
    return order
