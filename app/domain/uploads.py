"""What files a customer may attach, decided from the bytes.

The client's file name and Content-Type header are never trusted: the type comes
from the file's signature, the name's extension must agree with it, and the name
is kept only as display text. HTML, SVG and script-like text are refused even as
"plain text", because a browser might be persuaded to render them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.domain.errors import DomainError

# content type → extensions a name may carry for it
ALLOWED = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "text/plain": (".txt", ".log"),
}
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# A tag a browser would act on: its name followed by whitespace, '/' or '>'.
_MARKUP = re.compile(
    r"<\s*(?:!doctype|\?xml|html|head|body|script|style|svg|math|iframe|frame|object|embed|img|image|"
    r"video|audio|source|a|div|span|meta|link|base|form|input|button|textarea|table|p)(?=[\s/>])",
    re.IGNORECASE)


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_files: int


def _error(code: str, ko: str, en: str, status: int) -> DomainError:
    return DomainError(code, ko, en, status=status, fields={"files": code})


def sniff_content_type(head: bytes) -> str | None:
    """The content type of a file from its bytes, or None if not one we accept.

    Binary formats are recognised by their signature; text must be UTF-8 to the
    end, without control characters or markup.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if _is_plain_text(head):
        return "text/plain"
    return None


def _is_plain_text(data: bytes) -> bool:
    if not data or b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text):
        return False
    return _MARKUP.search(text) is None


# Invisible format characters (Unicode category Cf): bidi overrides and isolates (U+202A–202E,
# U+2066–2069) make "invoice\u202etxt.pdf" show as "invoicefdp.txt"; zero-width characters hide
# text. The zero-width joiner stays: emoji sequences need it and it reorders nothing.
_KEEP_FORMAT = frozenset({"\u200d"})


def visible_text(text: str) -> str:
    """``text`` without invisible format characters, so what is shown is what is there."""
    return "".join(ch for ch in text if ch in _KEEP_FORMAT or unicodedata.category(ch) != "Cf")


def check_filename(name: str) -> str:
    """Return the display name for an upload, or refuse a name that tries to be a path.

    Bidi controls and other invisible characters are removed, so a name reads as it is.
    """
    raw = visible_text(unicodedata.normalize("NFC", name or "")).strip()
    if not raw:
        raise _error("invalid_filename", "파일 이름이 비어 있습니다.",
                     "The file has no name.", 422)
    if "/" in raw or "\\" in raw or raw.startswith(".") or ".." in raw or any(
        unicodedata.category(ch) == "Cc" for ch in raw
    ):
        raise _error(
            "invalid_filename",
            f"'{raw[:80]}' 파일 이름은 사용할 수 없습니다. 경로나 특수문자가 없는 이름으로 올려 주세요.",
            f"The file name '{raw[:80]}' is not allowed. Use a plain name without a path.",
            422,
        )
    return unicodedata.normalize("NFC", raw)[:255]


def check_upload(name: str, data: bytes, size: int, limits: UploadLimits) -> tuple[str, str]:
    """Validate one upload; return (display name, content type decided from the bytes).

    Raises DomainError with status 413 when too large, 415 when the type is not
    accepted or disagrees with the name, 422 for a bad name or an empty file.
    """
    display = check_filename(name)
    if size > limits.max_bytes:
        mb = limits.max_bytes // (1024 * 1024)
        raise _error(
            "file_too_large",
            f"'{display[:80]}' 파일이 너무 큽니다. 파일 하나는 {mb}MB까지 올릴 수 있습니다.",
            f"'{display[:80]}' is too large. Each file may be at most {mb} MB.",
            413,
        )
    if size == 0:
        raise _error("empty_file", f"'{display[:80]}' 파일이 비어 있습니다.",
                     f"'{display[:80]}' is empty.", 422)
    content_type = sniff_content_type(data)
    dot = display.rfind(".")
    extension = display[dot:].lower() if dot > 0 else ""
    if content_type is None or extension not in ALLOWED[content_type]:
        raise _error(
            "unsupported_file_type",
            f"'{display[:80]}' 파일은 첨부할 수 없습니다. PNG, JPEG, GIF, WebP 이미지, PDF, "
            "텍스트(.txt) 파일만 올릴 수 있으며 파일 내용과 확장자가 일치해야 합니다.",
            f"'{display[:80]}' cannot be attached. Only PNG, JPEG, GIF, WebP images, PDF and "
            "plain text (.txt) files are accepted, and the content must match the extension.",
            415,
        )
    return display, content_type


# An animation is re-encoded whole only while width × height × frames stays within this budget;
# beyond it only its first frame is kept (a 959-byte GIF can declare 40 frames of 2000×2000).
ANIMATION_PIXEL_BUDGET = 16_000_000
# More frames than any screenshot or short clip has: refused before anything is decoded.
MAX_FRAMES = 300


def animation_frames(data: bytes, content_type: str) -> int:
    """How many frames a GIF or WebP declares, read from its block structure without decoding
    a pixel (1 for anything else, or for a file too broken to walk: the decoder then refuses it)."""
    if content_type == "image/gif":
        return _gif_frames(data)
    if content_type == "image/webp":
        return _webp_frames(data)
    return 1


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            break
    return pos


def _gif_frames(data: bytes) -> int:
    if len(data) < 13:
        return 1
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)  # after the global colour table
    frames = 0
    while pos < len(data):
        block = data[pos]
        if block == 0x2C:  # image descriptor: 9 bytes, a local colour table, LZW size, data sub-blocks
            if pos + 10 > len(data):
                break
            local = data[pos + 9]
            pos += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0) + 1
            pos = _skip_sub_blocks(data, pos)
            frames += 1
        elif block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        else:  # 0x3B trailer, or garbage
            break
    return max(frames, 1)


def _webp_frames(data: bytes) -> int:
    frames, pos = 0, 12
    while pos + 8 <= len(data):
        kind, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if kind == b"ANMF":
            frames += 1
        pos += 8 + size + (size & 1)
    return max(frames, 1)


def check_animation(name: str, width: int, height: int, frames: int) -> bool:
    """Whether the whole animation may be re-encoded (False: keep the first frame only);
    refuses a frame count no real upload has."""
    if frames > MAX_FRAMES:
        raise _error("too_many_frames",
                     f"'{name[:80]}' 파일은 프레임이 너무 많습니다. "
                     f"움직이는 이미지는 {MAX_FRAMES}프레임까지 올릴 수 있습니다.",
                     f"'{name[:80]}' has too many frames. Animations may have at most {MAX_FRAMES} frames.", 413)
    return width * height * frames <= ANIMATION_PIXEL_BUDGET


def check_count(count: int, limits: UploadLimits) -> None:
    """Refuse more files than one message may carry."""
    if count > limits.max_files:
        raise _error(
            "too_many_files",
            f"파일은 한 번에 {limits.max_files}개까지 첨부할 수 있습니다.",
            f"You can attach at most {limits.max_files} files at a time.",
            413,
        )
