"""Upload abuse found by the outside probe: an animated-GIF frame bomb, and file names that lie
with bidi controls. Filed through the real inquiry form."""
from __future__ import annotations

import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from app import create_app
from app.domain.uploads import ANIMATION_PIXEL_BUDGET, MAX_FRAMES, animation_frames, visible_text
from app.extensions import db
from app.models import Attachment, Ticket
from tests.factories import PASSWORD, make_user, png_bytes
from tests.journeys.browser import Browser


def _gif(frames: int, size: tuple[int, int]) -> bytes:
    palette = [v for i in range(256) for v in ((i * 37) % 256, (i * 11) % 256, i)]
    images = []
    for i in range(frames):
        # distinct neighbours (or Pillow merges identical frames), already paletted (fast to write)
        image = Image.new("P", size, i % 256)
        image.putpalette(palette)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=50, loop=0,
                   optimize=False)
    return out.getvalue()


def _file(browser: Browser, name: str, content: bytes):
    form = browser.get("/inquiries/new").form(action="/inquiries/new")
    form.fill(category="product", subject="사진 첨부", body="사진을 봐 주세요.")
    return form.attach("files", name, content).submit()


@pytest.fixture()
def person(app, web_app):
    customer = make_user("customer", name="김민지")
    browser = Browser(web_app.test_client())
    browser.sign_in(customer.email, PASSWORD)
    return browser


def _stored(app) -> bytes:
    attachment = db.session.scalars(select(Attachment)).one()
    path = os.path.join(app.config["UPLOAD_DIR"], attachment.stored_name[:2], attachment.stored_name)
    with open(path, "rb") as fh:
        return fh.read()


def test_a_frame_bomb_keeps_only_its_first_frame(app, person):
    bomb = _gif(40, (2000, 2000))  # 160 million pixels of animation
    assert animation_frames(bomb, "image/gif") == 40
    assert 2000 * 2000 * 40 > ANIMATION_PIXEL_BUDGET
    page = _file(person, "bomb.gif", bomb)
    assert page.path.startswith("/inquiries/M-"), page.errors()
    with Image.open(io.BytesIO(_stored(app))) as stored:
        assert stored.size == (2000, 2000)
        assert getattr(stored, "n_frames", 1) == 1


def test_a_small_animation_stays_animated(app, person):
    page = _file(person, "loading.gif", _gif(6, (40, 30)))
    assert page.path.startswith("/inquiries/M-"), page.errors()
    with Image.open(io.BytesIO(_stored(app))) as stored:
        assert stored.n_frames == 6


def test_more_frames_than_any_upload_has_is_refused_before_decoding(app, person):
    page = _file(person, "flood.gif", _gif(MAX_FRAMES + 1, (2, 2)))
    assert page.status == 413
    assert "프레임이 너무 많습니다" in page.text
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


@pytest.mark.parametrize("name", ["invoice\u202etxt.pdf", "invoice\u2066\u2067fdp.txt\u2069.pdf", "in\u200bvoice.pdf",
                                  "\u200einvoice.pdf", "invoice\u061c.pdf"])
def test_bidi_and_invisible_characters_are_removed_from_file_names(app, person, web_app, name):
    page = _file(person, name.replace(".pdf", ".png"), png_bytes())
    assert page.path.startswith("/inquiries/M-"), page.errors()
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.filename == visible_text(name.replace(".pdf", ".png"))
    assert all(ch not in attachment.filename for ch in "\u202e\u2066\u2067\u2069\u200b\u200e\u061c")
    assert attachment.filename.endswith(".png") and attachment.filename in page.text
    download = person.get(f"/attachments/{attachment.id}")
    assert "\u202e" not in download.headers["Content-Disposition"]


def test_names_stored_before_the_fix_are_shown_without_their_controls(app, person):
    _file(person, "invoice.png", png_bytes())
    attachment = db.session.scalars(select(Attachment)).one()
    attachment.filename = "invoice\u202egnp.png"
    db.session.commit()
    page = person.get(f"/inquiries/{db.session.scalars(select(Ticket)).one().number}")
    assert "invoice\u202e" not in page.html and "invoicegnp.png" in page.html


def test_production_sends_hsts_and_the_default_does_not(app, tmp_path):
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x" * 40,
                "UPLOAD_DIR": str(tmp_path)}
    production = create_app("production", **settings).test_client()
    header = production.get("/help").headers.get("Strict-Transport-Security", "")
    assert header.startswith("max-age=") and int(header.split("=")[1].split(";")[0]) >= 31_536_000
    assert "Strict-Transport-Security" not in create_app("testing", **settings).test_client().get("/help").headers
