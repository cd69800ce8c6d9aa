"""Uploads as stored (app/services/attachments.py): re-encoded, metadata-free, random names,
all-or-nothing per message."""
from __future__ import annotations

import io
import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.domain.errors import DomainError
from app.extensions import db
from app.models import Attachment, Message, Ticket
from app.services import attachments as attachments_service
from app.services import unit_of_work
from app.services.attachments import attachment_path, load_attachment_for, prepare_uploads
from app.services.tickets.core import add_message, create_ticket
from tests.factories import jpeg_with_gps, make_ticket, make_user, png_bytes, upload

GPS_IFD = 0x8825
SCRIPT = b"<script>alert(document.cookie)</script>"


def stored_files(app) -> list[str]:
    found = []
    for folder, _dirs, files in os.walk(app.config["UPLOAD_DIR"]):
        found.extend(os.path.join(folder, f) for f in files)
    return found


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def file_with(customer, now, *files) -> list[Attachment]:
    """File an inquiry carrying ``files`` and return its attachments as stored."""
    ticket = create_ticket(customer, category_code="product", subject="사진 첨부", body="사진 보냅니다",
                           order_number=None, files=list(files), now=now)
    unit_of_work.commit()
    return list(db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)
                                   .order_by(Attachment.id)))


def read_stored(attachment: Attachment) -> bytes:
    with open(attachment_path(attachment), "rb") as fh:
        return fh.read()


def image_with_comment(fmt: str, comment: bytes, frames: int = 1) -> bytes:
    out = io.BytesIO()
    first = Image.new("RGB", (12, 12), (10, 120, 200))
    extra = [Image.new("RGB", (12, 12), (200, 10, 10)) for _ in range(frames - 1)]
    first.save(out, format=fmt, comment=comment, save_all=frames > 1, append_images=extra)
    return out.getvalue()


@pytest.fixture()
def customer(app):
    return make_user("customer", name="김민지")


# ---------------------------------------------------------------- metadata and re-encoding

def test_jpeg_gps_is_stripped_and_the_photo_still_decodes(app, customer, now):
    original = jpeg_with_gps()
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()   # the test photo does carry GPS

    (attachment,) = file_with(customer, now, upload(original, "IMG_0001.jpg", "image/jpeg"))

    data = read_stored(attachment)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "JPEG"
        assert image.size == (16, 16)
        exif = image.getexif()
        assert GPS_IFD not in exif
        assert 0x010F not in exif          # camera make is metadata too
    assert b"TestCam" not in data
    assert attachment.content_type == "image/jpeg"
    assert attachment.size == len(data)
    assert attachment.filename == "IMG_0001.jpg"


@pytest.mark.parametrize(("fmt", "name", "frames"), [
    ("JPEG", "photo.jpg", 1),
    ("GIF", "still.gif", 1),
    ("GIF", "animated.gif", 2),
])
def test_image_comments_are_not_kept(app, customer, now, fmt, name, frames):
    # Apps write comments into JPEG/GIF files (editor names, captions, tracking ids).
    original = image_with_comment(fmt, b"shot at 37.5665N 126.9780E " + SCRIPT, frames=frames)
    assert SCRIPT in original
    (attachment,) = file_with(customer, now, upload(original, name))
    data = read_stored(attachment)
    assert SCRIPT not in data and b"37.5665N" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == fmt
        assert "comment" not in image.info
        assert getattr(image, "n_frames", 1) == frames


def test_polyglot_png_with_script_after_the_pixels_is_cleaned(app, customer, now):
    original = png_bytes() + SCRIPT
    (attachment,) = file_with(customer, now, upload(original, "screenshot.png", "image/png"))
    data = read_stored(attachment)
    assert b"<script>" not in data
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG"
        assert image.getpixel((0, 0)) == (200, 30, 60)
    assert attachment.sha256 != "" and attachment.size == len(data)


@pytest.mark.parametrize(("data", "name"), [
    (b"\x89PNG\r\n\x1a\n" + os.urandom(200), "broken.png"),
    (b"\x89PNG\r\n\x1a\n" + SCRIPT, "script.png"),
    (b"\xff\xd8\xff" + b"\x00" * 64, "broken.jpg"),
    (b"GIF89a" + b"garbage" * 10, "broken.gif"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 garbage", "broken.webp"),
    (png_bytes()[:40], "truncated.png"),
])
def test_image_that_does_not_decode_is_refused(app, customer, now, data, name):
    with pytest.raises(DomainError) as caught:
        prepare_uploads([upload(data, name, "image/png")])
    assert caught.value.status == 415
    assert caught.value.code == "unsupported_file_type"
    assert name in caught.value.message("ko") and name in caught.value.message("en")
    assert stored_files(app) == []


def test_image_whose_decoder_disagrees_with_the_signature_is_refused(app, customer):
    # GIF bytes disguised behind a PNG signature check: the decoder must agree with the sniffer.
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with pytest.raises(DomainError) as caught:
        attachments_service.reencode_image(gif.getvalue(), "image/png", "x.png")
    assert caught.value.status == 415


def test_pdf_and_text_are_stored_byte_for_byte(app, customer, now):
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    text = "주문번호 20261120-000123 배송 조회 결과\n".encode()
    stored = file_with(customer, now, upload(pdf, "receipt.pdf"), upload(text, "memo.txt"))
    assert [(a.filename, a.content_type) for a in stored] == [
        ("receipt.pdf", "application/pdf"), ("memo.txt", "text/plain")]
    assert [read_stored(a) for a in stored] == [pdf, text]


# ---------------------------------------------------------------- where and how files are stored

def test_files_are_stored_under_random_names_inside_upload_dir(app, customer, now):
    stored = file_with(customer, now, upload(png_bytes(), "screenshot.png"),
                       upload(png_bytes(color=(0, 0, 0)), "screenshot.png"))
    root = os.path.realpath(app.config["UPLOAD_DIR"])
    assert len({a.stored_name for a in stored}) == 2
    for attachment in stored:
        path = os.path.realpath(attachment_path(attachment))
        assert os.path.commonpath([root, path]) == root
        assert os.path.isfile(path)
        assert "screenshot" not in path and not path.endswith(".png")
        assert len(attachment.stored_name) >= 32
        assert attachment.filename == "screenshot.png"   # the name is kept as display text only
    assert sorted(stored_files(app)) == sorted(os.path.join(app.config["UPLOAD_DIR"], a.stored_name[:2],
                                                            a.stored_name) for a in stored)


def test_a_bad_second_file_stores_neither(app, customer, now):
    files = [upload(png_bytes(), "good.png"), upload(b"<html><script>x</script></html>", "evil.txt")]
    with pytest.raises(DomainError) as caught:
        create_ticket(customer, category_code="product", subject="첨부", body="두 파일", order_number=None,
                      files=files, now=now)
    unit_of_work.rollback()
    assert caught.value.status == 415
    assert "evil.txt" in caught.value.message("en")
    assert stored_files(app) == []
    assert (count(Ticket), count(Message), count(Attachment)) == (0, 0, 0)


def test_a_bad_second_file_on_a_reply_stores_neither(app, customer, now):
    ticket = make_ticket(customer, now=now)
    before = (count(Message), count(Attachment))
    with pytest.raises(DomainError):
        add_message(customer, ticket, body="추가 사진", internal=False, now=now + timedelta(hours=1),
                    files=[upload(png_bytes(), "ok.png"), upload(png_bytes(), "../../etc/passwd")])
    unit_of_work.rollback()
    assert (count(Message), count(Attachment)) == before
    assert stored_files(app) == []
    db.session.refresh(ticket)
    assert ticket.message_count == 1


def test_a_write_failure_on_the_second_file_leaves_no_orphan(app, customer, now, monkeypatch):
    # Force the second file onto the first one's name: the exclusive create fails mid-way.
    monkeypatch.setattr(attachments_service, "secrets", SimpleNamespace(token_hex=lambda _n: "ab" * 20))
    with pytest.raises(FileExistsError):
        create_ticket(customer, category_code="product", subject="첨부", body="두 파일", order_number=None,
                      files=[upload(png_bytes(), "a.png"), upload(png_bytes(), "b.png")], now=now)
    unit_of_work.rollback()
    assert stored_files(app) == []
    assert count(Attachment) == 0


def test_too_many_files_is_413(app, customer):
    app.config["MAX_UPLOAD_FILES"] = 2
    files = [upload(png_bytes(), f"s{i}.png") for i in range(3)]
    with pytest.raises(DomainError) as caught:
        prepare_uploads(files)
    assert caught.value.status == 413
    assert caught.value.code == "too_many_files"


def test_oversized_file_is_413(app, customer):
    app.config["MAX_UPLOAD_BYTES"] = 1024 * 1024
    big = b"x" * (1024 * 1024 + 1)
    with pytest.raises(DomainError) as caught:
        prepare_uploads([upload(big, "big.txt")])
    assert caught.value.status == 413
    assert "1MB" in caught.value.message("ko") and "1 MB" in caught.value.message("en")


def test_empty_form_file_fields_are_ignored(app, customer, now):
    # A browser sends an empty file part when nothing was chosen.
    stored = file_with(customer, now, upload(b"", ""), None)
    assert stored == []


# ---------------------------------------------------------------- who may download

def test_attachment_of_an_internal_note_is_staff_only(app, customer, now):
    agent = make_user("agent", queues=["general"])
    other = make_user("customer")
    ticket = make_ticket(customer, now=now, files=[upload(png_bytes(), "mine.png")])
    note = add_message(agent, ticket, body="내부 자료", internal=True, now=now,
                       files=[upload(png_bytes(), "internal.png")])
    unit_of_work.commit()
    public_id = db.session.scalar(select(Attachment.id).where(Attachment.filename == "mine.png"))
    (internal,) = note.attachments

    assert load_attachment_for(customer, public_id).filename == "mine.png"
    assert load_attachment_for(agent, internal.id).filename == "internal.png"
    for actor, attachment_id in ((customer, internal.id), (other, public_id), (other, internal.id),
                                 (make_user("agent", queues=["orders"]), public_id)):
        with pytest.raises(DomainError) as caught:
            load_attachment_for(actor, attachment_id)
        assert caught.value.status == 404
    with pytest.raises(DomainError):
        load_attachment_for(customer, 987654)
