"""Walk a new customer's first journey over HTTP against a desk started as `make run` starts it.

Standard library only, so it runs with any Python and tests only what the desk's own runtime
environment (requirements.txt alone) provides: a runtime dependency that only the dev extras
happen to bring would fail here, not at a user's first sign-up.

    python3 .ci/runtime_journey.py http://127.0.0.1:5055
"""
from __future__ import annotations

import http.cookiejar
import re
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:5000"
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def fail(message: str, page: str = "") -> None:
    print(f"runtime journey FAILED: {message}", file=sys.stderr)
    if page:
        print(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))[:1500], file=sys.stderr)
    sys.exit(1)


def fetch(path: str, data: bytes | None = None, content_type: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(BASE + path, data=data)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.geturl(), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.geturl(), error.read().decode("utf-8", "replace")


def form_fields(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action`` (its CSRF token, its submission key)."""
    match = re.search(r'<form[^>]*action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', page, re.S)
    if not match:
        fail(f"no form posting to {action}", page)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", match.group(1)):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = value.group(1) if value else ""
    if "csrf_token" not in fields:
        fail(f"the form posting to {action} carries no CSRF token", page)
    return fields


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, kind) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {kind}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def main() -> None:
    email = f"runtime-{uuid.uuid4().hex[:8]}@example.com"
    status, _url, page = fetch("/signup")
    if status != 200:
        fail(f"GET /signup answered {status}", page)
    fields = form_fields(page, "/signup")
    fields.update(name="런타임 고객", email=email, password="runtime-journey-1", confirm="runtime-journey-1")
    status, url, page = fetch("/signup", urllib.parse.urlencode(fields).encode(),
                              "application/x-www-form-urlencoded")
    if status != 200 or not url.endswith("/help") or "가입을 환영합니다" not in page:
        fail(f"sign-up did not land on the help centre signed in (status {status}, at {url})", page)
    print(f"sign-up: ok ({email})")

    status, _url, page = fetch("/inquiries/new")
    if status != 200:
        fail(f"GET /inquiries/new answered {status}", page)
    fields = form_fields(page, "/inquiries/new")
    fields.update(category="product", subject="재입고 문의", body="품절된 상품은 언제 다시 들어오나요?")
    body, kind = multipart(fields, {"files": ("screenshot.png", png(), "image/png")})
    status, url, page = fetch("/inquiries/new", body, kind)
    number = re.search(r"/inquiries/(M-[0-9]{8}-[0-9]+)$", url)
    if status != 200 or not number or "screenshot.png" not in page or number.group(1) not in page:
        fail(f"filing an inquiry with a screenshot did not show the new inquiry (status {status}, at {url})", page)
    print(f"intake: ok ({number.group(1)} with screenshot.png)")


if __name__ == "__main__":
    main()
