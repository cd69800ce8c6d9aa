"""Uploads through the 1:1 inquiry form, as a browser sends them.

A refused file gets a clear message next to the file field (Korean, or English for an
English browser), a 4xx status, and leaves nothing behind: no ticket, no message, no
attachment row, no file on disk. Accepted images lose their metadata, downloads are
attachments that a browser will not sniff, and the original name is only ever text.
"""
from __future__ import annotations

import html
import io
import os
import re

import pytest
from markupsafe import escape
from PIL import Image

from app.extensions import db
from app.models import Attachment, Message, Ticket
from tests.factories import jpeg_with_gps, login, make_order, make_user, multipart, png_bytes

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b"<script>alert(document.domain)</script></svg>")
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
PASSWD = (b"root:x:0:0:root:/root:/bin/bash\n"
          b"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
          b"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
BIG = b"\x89PNG\r\n\x1a\n" + b"\0" * (30 * 1024 * 1024)

# name → (files, status, Korean text, English text)
REFUSALS = {
    "30mb": ([("files", "screenshot.png", BIG, "image/png")], 413,
             "파일이 너무 큽니다. 파일 하나는 10MB까지", "is too large. Each file may be at most 10 MB"),
    "html_named_png": ([("files", "screenshot.png", HTML, "image/png")], 415,
                       "파일은 첨부할 수 없습니다", "cannot be attached"),
    "path_traversal": ([("files", "../../etc/passwd", PASSWD, "text/plain")], 422,
                       "사용할 수 없습니다", "is not allowed"),
    "svg": ([("files", "screenshot.svg", SVG, "image/svg+xml")], 415,
            "파일은 첨부할 수 없습니다", "cannot be attached"),
    "six_files": ([("files", f"shot{i}.png", png_bytes(), "image/png") for i in range(6)], 413,
                  "파일은 한 번에 5개까지", "at most 5 files"),
}


def _stored_files(root: str) -> list[str]:
    return sorted(os.path.join(d, f) for d, _dirs, names in os.walk(root) for f in names)


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _file_errors(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="error" role="alert">(.*?)</p>', page, re.S)]


def _file_inquiry(browser, order, files, headers=None, subject="배송 조회가 안 돼요"):
    fields = {"csrf_token": browser.csrf_token(), "category": "delivery", "order_number": order.number,
              "subject": subject, "body": "송장 번호를 눌러도 조회가 되지 않습니다."}
    body, content_type = multipart(fields, files)
    return browser.post("/inquiries/new", data=body, content_type=content_type, headers=headers or {})


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_upload_stores_nothing_and_says_why(app, client, case, lang):
    customer = make_user("customer")
    order = make_order(customer)
    login(client, customer)
    files, status, korean, english = REFUSALS[case]
    headers = {"Accept-Language": "en"} if lang == "en" else {}

    response = _file_inquiry(client, order, files, headers=headers)

    assert response.status_code == status
    page = response.get_data(as_text=True)
    errors = " ".join(_file_errors(page))
    assert (english if lang == "en" else korean) in errors, errors
    assert f'<html lang="{lang}">' in page
    # The form is shown again with what the customer typed.
    assert "배송 조회가 안 돼요" in page
    assert _count(Ticket) == 0
    assert _count(Message) == 0
    assert _count(Attachment) == 0
    assert _stored_files(app.config["UPLOAD_DIR"]) == []


def test_refused_reply_upload_stores_nothing(app, client):
    customer = make_user("customer")
    order = make_order(customer)
    login(client, customer)
    first = _file_inquiry(client, order, [("files", "ok.png", png_bytes(), "image/png")])
    assert first.status_code == 302
    ticket = db.session.scalars(db.select(Ticket)).one()
    files_before = _stored_files(app.config["UPLOAD_DIR"])
    body, content_type = multipart({"csrf_token": client.csrf_token(), "body": "추가 사진입니다"},
                                   [("files", "more.png", HTML, "image/png")])
    response = client.post(f"/inquiries/{ticket.number}/reply", data=body, content_type=content_type)
    assert response.status_code == 415
    assert "파일은 첨부할 수 없습니다" in " ".join(_file_errors(response.get_data(as_text=True)))
    assert _count(Message) == 1
    assert _count(Attachment) == 1
    assert _stored_files(app.config["UPLOAD_DIR"]) == files_before


def test_jpeg_is_stored_without_gps(app, client):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:
        assert 0x8825 in image.getexif()  # the fixture really carries GPS
    customer = make_user("customer")
    order = make_order(customer)
    login(client, customer)
    response = _file_inquiry(client, order, [("files", "택배상자.jpg", original, "image/jpeg")])
    assert response.status_code == 302

    attachment = db.session.scalars(db.select(Attachment)).one()
    assert attachment.filename == "택배상자.jpg"
    assert attachment.content_type == "image/jpeg"
    download = client.get(f"/attachments/{attachment.id}")
    assert download.status_code == 200
    with open(_stored_files(app.config["UPLOAD_DIR"])[0], "rb") as fh:
        on_disk = fh.read()
    for data in (download.data, on_disk):
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG"
            exif = image.getexif()
            assert 0x8825 not in exif
            assert not exif.get_ifd(0x8825)
        assert b"TestCam" not in data


def test_download_is_an_attachment_with_the_sniffed_type(app, client):
    customer = make_user("customer")
    order = make_order(customer)
    login(client, customer)
    # The browser claims HTML; the bytes are a PNG, and the bytes win.
    response = _file_inquiry(client, order, [("files", "영수증.png", png_bytes(), "text/html")])
    assert response.status_code == 302
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert attachment.content_type == "image/png"
    assert re.fullmatch(r"[0-9a-f]{40}", attachment.stored_name)
    assert _stored_files(app.config["UPLOAD_DIR"])[0].endswith(attachment.stored_name)
    static = os.path.realpath(app.static_folder)
    assert not os.path.realpath(app.config["UPLOAD_DIR"]).startswith(static)

    download = client.get(f"/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.mimetype == "image/png"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%EC%98%81%EC%88%98%EC%A6%9D.png" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]

    inline = client.get(f"/attachments/{attachment.id}/inline")
    assert inline.status_code == 200 and inline.mimetype == "image/png"
    assert inline.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in inline.headers["Content-Security-Policy"]


def test_text_file_is_download_only(app, client):
    customer = make_user("customer")
    order = make_order(customer)
    login(client, customer)
    response = _file_inquiry(client, order, [("files", "log.txt", b"error 502 at checkout\n", "text/plain")])
    assert response.status_code == 302
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert client.get(f"/attachments/{attachment.id}/inline").status_code == 404
    download = client.get(f"/attachments/{attachment.id}")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == b"error 502 at checkout\n"


@pytest.mark.parametrize("name", ['"><svg onload=alert(1)>.png', "<img src=x onerror=alert(1)>.png"])
def test_markup_in_a_file_name_is_only_text(app, make_client, name):
    customer = make_user("customer")
    order = make_order(customer)
    agent = make_user("agent", queues=["orders"])
    browser = make_client()
    login(browser, customer)
    response = _file_inquiry(browser, order, [("files", name, png_bytes(), "image/png")])
    assert response.status_code == 302
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert attachment.filename == name
    ticket = db.session.scalars(db.select(Ticket)).one()

    desk = make_client()
    login(desk, agent)
    pages = {"customer": browser.get(f"/inquiries/{ticket.number}").get_data(as_text=True),
             "agent": desk.get(f"/desk/tickets/{ticket.number}").get_data(as_text=True)}
    for who, page in pages.items():
        assert str(escape(name)) in page, who
        assert "<svg onload" not in page and "<img src=x" not in page, who
        assert "onerror=alert(1)>" not in page.replace(str(escape(name)), ""), who

    download = desk.get(f"/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert len(download.headers.getlist("Content-Disposition")) == 1
    assert "\n" not in download.headers["Content-Disposition"]
