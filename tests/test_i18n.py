"""The English catalogue is complete, consistent with the source, and actually used.

Message ids are the Korean texts of ``_()`` / ``_l()`` in app/ and templates/;
translations/en/LC_MESSAGES/messages.po gives the English. After adding or changing
a string, re-extract and update the catalogue:

    .venv/bin/pybabel extract -F babel.cfg -k _l -o translations/messages.pot .
    .venv/bin/pybabel update -i translations/messages.pot -d translations
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
PO_PATH = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")
SOURCE_DIRS = ("app", "templates")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}  # the -k _l of the extract command
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|\{[A-Za-z_0-9]*\}")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _read_catalogue() -> Catalog:
    with PO_PATH.open("rb") as fh:
        return read_po(fh, locale="en")


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, list | tuple) else (message.string,)


def compile_catalogue() -> Path:
    """Write messages.mo from messages.po when it is missing or older (atomically, so a
    parallel run never reads half a file). The .mo is gitignored; make does the same."""
    if MO_PATH.exists() and MO_PATH.stat().st_mtime >= PO_PATH.stat().st_mtime:
        return MO_PATH
    catalogue = _read_catalogue()
    fd, tmp = tempfile.mkstemp(dir=MO_PATH.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(fd, "wb") as fh:
            write_mo(fh, catalogue)
        os.chmod(tmp, 0o644)
        os.replace(tmp, MO_PATH)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return MO_PATH


def extracted_messages() -> dict[str, list[str]]:
    """msgid → 'file:line' of every translatable string in app/ and templates/ today,
    extracted with babel.cfg exactly as `pybabel extract` does."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")

    def wanted_dir(dirpath: str) -> bool:
        rel = os.path.relpath(dirpath, ROOT)
        if rel == ".":
            return True
        name = os.path.basename(dirpath)
        return rel.split(os.sep)[0] in SOURCE_DIRS and not name.startswith((".", "_"))

    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=wanted_dir):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalogue() -> Catalog:
    return _read_catalogue()


@pytest.fixture(scope="module")
def compiled() -> Path:
    return compile_catalogue()


def test_catalogue_is_english(catalogue):
    assert str(catalogue.locale) == "en"
    assert len([m for m in catalogue if m.id]) > 0


def test_every_message_is_translated_and_not_fuzzy(catalogue):
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(s and s.strip() for s in _strings(message)):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_translations_are_english(catalogue):
    left_in_korean = [m.id for m in catalogue if m.id and any(HANGUL.search(s) for s in _strings(m))]
    assert not left_in_korean


def test_placeholders_match(catalogue):
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        expected = sorted(PLACEHOLDER.findall(_ids(message)[0]))
        for string in _strings(message):
            if not string:
                continue  # untranslated: reported by test_every_message_is_translated_and_not_fuzzy
            got = sorted(PLACEHOLDER.findall(string))
            if got != expected:
                problems.append(f"{message.id!r}: {expected} vs {string!r} {got}")
        if expected and any(p.startswith("%") for p in expected):
            assert "python-format" in message.flags, message.id
    assert not problems, "\n".join(problems)


def test_every_source_string_is_in_the_catalogue(catalogue):
    extracted = extracted_messages()
    assert len(extracted) > 50, "extraction found almost nothing: is babel.cfg right?"
    known = {_ids(m)[0] for m in catalogue if m.id}
    missing = {msgid: where for msgid, where in extracted.items() if msgid not in known}
    assert not missing, "strings not in messages.po (re-run pybabel extract + update, then translate):\n" + \
        "\n".join(f"{msgid!r} at {', '.join(where)}" for msgid, where in missing.items())


def test_no_live_entry_is_left_over_from_removed_strings(catalogue):
    extracted = extracted_messages()
    stale = [m.id for m in catalogue if m.id and _ids(m)[0] not in extracted]
    assert not stale, f"in messages.po but no longer in the source (run pybabel update): {stale}"


def test_compiled_catalogue_translates(compiled):
    from babel.support import Translations

    translations = Translations.load(str(TRANSLATIONS), ["en"])
    assert translations.gettext("로그인") == "Sign in"
    assert translations.gettext("%(name)s 계정을 만들었습니다.") % {"name": "Kim"} == "Created the account for Kim."


def test_login_page_in_english(compiled, client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Password" in html
    assert "로그인" not in html


def test_login_page_in_korean_by_default(compiled, client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="ko">' in html
    assert "로그인" in html and "비밀번호" in html
    assert "Sign in" not in html


def test_korean_wins_when_preferred(compiled, client):
    html = client.get("/login", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="ko">' in html and "로그인" in html
