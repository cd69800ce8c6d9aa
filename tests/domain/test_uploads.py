"""What may be attached, decided from the bytes (app/domain/uploads.py), without an app."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.uploads import UploadLimits, check_count, check_filename, check_upload, sniff_content_type

LIMITS = UploadLimits(max_bytes=1024 * 1024, max_files=5)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
GIF87 = b"GIF87a" + b"\x01\x00\x01\x00" + b"\x00" * 10
GIF89 = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 10
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
TEXT = "주문번호 20261120-000123\r\n배송이 늦어요.\tthanks\n".encode()


def _check(name: str, data: bytes, limits: UploadLimits = LIMITS):
    return check_upload(name, data, len(data), limits)


def _refused(name: str, data: bytes, size: int | None = None,
             limits: UploadLimits = LIMITS) -> DomainError:
    with pytest.raises(DomainError) as caught:
        check_upload(name, data, len(data) if size is None else size, limits)
    return caught.value


# ---------------------------------------------------------------- sniffing

@pytest.mark.parametrize(("data", "expected"), [
    (PNG, "image/png"),
    (JPEG, "image/jpeg"),
    (GIF87, "image/gif"),
    (GIF89, "image/gif"),
    (WEBP, "image/webp"),
    (PDF, "application/pdf"),
    (TEXT, "text/plain"),
    (b"plain ascii", "text/plain"),
    (b"a < b and c > d", "text/plain"),          # comparison signs are not markup
])
def test_sniff_recognises_accepted_types(data, expected):
    assert sniff_content_type(data) == expected


@pytest.mark.parametrize("data", [
    b"",
    b"MZ\x90\x00\x03\x00\x00\x00",                 # a Windows executable
    b"PK\x03\x04\x14\x00\x00\x00",                 # a zip / docx
    b"\x7fELF\x02\x01\x01\x00",
    b"RIFF\x24\x00\x00\x00WAVEfmt ",               # RIFF, but not WebP
    b"\xff\xfe\x00\x00binary",                      # not UTF-8
    b"text with a NUL\x00 in it",
    b"text with a bell \x07",
    b"text with an escape \x1b[31m",
    "half a character \ud55c".encode("utf-8")[:-1],  # truncated UTF-8
])
def test_sniff_refuses_unknown_binary_and_not_quite_text(data):
    assert sniff_content_type(data) is None


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><p>hi</p>",
    b"<html><body>hi</body></html>",
    b"hello\n<script>alert(1)</script>",
    b"<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b'<?xml version="1.0"?><svg/>',
    b'<iframe src="https://evil.example"></iframe>',
    b'<img src=x onerror=alert(1)>',
    b'<a href="javascript:alert(1)">click</a>',
    b"<div>layout</div>",
    b'<meta http-equiv="refresh" content="0;url=https://evil.example">',
    b"<object data=x></object>",
    b"<embed src=x>",
    "주문 문의입니다 <Script>".encode(),
    b"<a\thref=javascript:alert(1)>x</a>",
    b"<a\nhref=x>y</a>",
    b"<style>body{}</style>",
    b"<form action=https://evil.example><input name=p></form>",
    b'<link rel=stylesheet href=//evil.example/x.css>',
    b"<base href=//evil.example/>",
])
def test_markup_is_never_plain_text(data):
    assert sniff_content_type(data) is None


@pytest.mark.parametrize("name", ["note.txt", "note.png", "note.html", "note.svg", "note.log"])
@pytest.mark.parametrize("data", [
    b"<html><script>alert(document.cookie)</script></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"console.log(1);\n<script>alert(1)</script>",
])
def test_html_svg_and_script_refused_whatever_the_name(name, data):
    error = _refused(name, data)
    assert error.status == 415
    assert error.code == "unsupported_file_type"
    assert error.fields == {"files": "unsupported_file_type"}


# ---------------------------------------------------------------- name and bytes must agree

@pytest.mark.parametrize(("name", "data", "expected"), [
    ("screenshot.png", PNG, "image/png"),
    ("SCREENSHOT.PNG", PNG, "image/png"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("photo.jpeg", JPEG, "image/jpeg"),
    ("anim.gif", GIF89, "image/gif"),
    ("pic.webp", WEBP, "image/webp"),
    ("영수증.pdf", PDF, "application/pdf"),
    ("memo.txt", TEXT, "text/plain"),
    ("server.log", TEXT, "text/plain"),
    ("my photo (1).final.png", PNG, "image/png"),
])
def test_accepted_uploads(name, data, expected):
    display, content_type = _check(name, data)
    assert content_type == expected
    assert display == name


@pytest.mark.parametrize(("name", "data"), [
    ("photo.jpg", PNG),          # PNG bytes under a JPEG name
    ("screenshot.png", JPEG),
    ("doc.pdf", PNG),
    ("memo.txt", PNG),           # binary named as text
    ("picture.png", TEXT),       # text named as an image
    ("invoice.pdf", TEXT),
    ("report.exe", PDF),
    ("noextension", PNG),
    ("photo.png.exe", PNG),      # only the last extension counts
    ("pic.gif", WEBP),
])
def test_extension_must_agree_with_bytes(name, data):
    error = _refused(name, data)
    assert error.status == 415
    assert error.code == "unsupported_file_type"
    assert name in error.message_ko and name in error.message_en
    assert "확장자" in error.message_ko
    assert "extension" in error.message_en


def test_display_name_is_normalised_to_nfc():
    # macOS hands over decomposed Hangul; the desk shows and stores the composed form.
    decomposed = unicodedata.normalize("NFD", "스크린샷.png")
    assert decomposed != "스크린샷.png"
    display, _ = _check(decomposed, PNG)
    assert display == "스크린샷.png"


# ---------------------------------------------------------------- names that try to be paths

@pytest.mark.parametrize("name", [
    "../../etc/passwd",
    "../secret.png",
    "a/b.png",
    "/etc/passwd",
    "a\\b.png",
    "..\\..\\windows\\win.ini",
    "C:\\Users\\kim\\photo.png",
    "report..png",
    ".htaccess",
    ".png",
    "a\x00b.png",
    "a\nb.png",
    "tab\tname.png",
    "bell\x07.png",
    "del\x7f.png",
])
def test_path_like_or_control_names_refused(name):
    error = _refused(name, PNG)
    assert error.status == 422
    assert error.code == "invalid_filename"
    assert error.fields == {"files": "invalid_filename"}
    assert "경로" in error.message_ko
    assert "path" in error.message_en


@pytest.mark.parametrize("name", ["", "   ", None])
def test_missing_name_refused(name):
    with pytest.raises(DomainError) as caught:
        check_filename(name)
    assert caught.value.status == 422
    assert caught.value.code == "invalid_filename"


# ---------------------------------------------------------------- size and count

def test_file_over_the_limit_is_413_in_korean_and_english():
    error = _refused("big.png", PNG, size=LIMITS.max_bytes + 1)
    assert error.status == 413
    assert error.code == "file_too_large"
    assert error.fields == {"files": "file_too_large"}
    assert error.message("ko") == "'big.png' 파일이 너무 큽니다. 파일 하나는 1MB까지 올릴 수 있습니다."
    assert error.message("en") == "'big.png' is too large. Each file may be at most 1 MB."


def test_file_exactly_at_the_limit_is_accepted():
    data = b"x" * LIMITS.max_bytes
    assert _check("exact.txt", data) == ("exact.txt", "text/plain")


def test_too_large_file_is_told_it_is_too_large_not_of_the_wrong_type():
    # Only the first bytes of a huge upload are kept, so its type cannot be judged: say "too big".
    error = _refused("huge.png", b"\x89PNG", size=LIMITS.max_bytes * 3)
    assert error.status == 413


def test_limit_reported_in_the_configured_megabytes():
    limits = UploadLimits(max_bytes=10 * 1024 * 1024, max_files=5)
    error = _refused("big.pdf", PDF, size=limits.max_bytes + 1, limits=limits)
    assert "10MB" in error.message_ko and "10 MB" in error.message_en


def test_empty_file_is_422():
    error = _refused("empty.txt", b"")
    assert error.status == 422
    assert error.code == "empty_file"
    assert "비어 있습니다" in error.message_ko
    assert "empty" in error.message_en


def test_too_many_files_is_413():
    check_count(LIMITS.max_files, LIMITS)  # at the limit: fine
    with pytest.raises(DomainError) as caught:
        check_count(LIMITS.max_files + 1, LIMITS)
    assert caught.value.status == 413
    assert caught.value.code == "too_many_files"
    assert caught.value.message("ko") == "파일은 한 번에 5개까지 첨부할 수 있습니다."
    assert caught.value.message("en") == "You can attach at most 5 files at a time."


# ---------------------------------------------------------------- properties

@given(st.binary(max_size=300), st.binary(max_size=300))
def test_bytes_with_a_nul_are_never_plain_text(before, after):
    assert sniff_content_type(before + b"\x00" + after) != "text/plain"


@given(st.text(max_size=30), st.text(max_size=30), st.sampled_from(["/", "\\"]))
def test_any_name_with_a_path_separator_is_refused(prefix, suffix, separator):
    with pytest.raises(DomainError) as caught:
        check_filename(prefix + separator + suffix + ".png")
    assert caught.value.code == "invalid_filename"


@given(st.text(max_size=200), st.sampled_from(["<script", "<svg", "<html", "<iframe", "<!doctype"]))
def test_text_containing_markup_is_never_accepted_as_text(text, marker):
    data = (text + marker.upper() + ">").encode("utf-8")
    assert sniff_content_type(data) is None


@pytest.mark.parametrize("text", ["가격이 10,000원 < 20,000원 인가요?", "a<b and b>c", "<3 감사합니다", "1 <2> 3"])
def test_text_with_angle_brackets_but_no_tags_is_plain_text(text):
    assert sniff_content_type(text.encode()) == "text/plain"
