"""A browser for journey tests: it reads pages and submits their real forms.

Unlike ``BrowserClient.post_form`` (which borrows a CSRF token from another page), a
journey GETs the page a person would open, finds the form on it, keeps every field the
page put there (the CSRF token, hidden keys, defaults, selected options), changes only
what the person types or picks, and submits it to the form's own action with the
form's own method and encoding. Validation and CSRF run as in production; redirects
are followed; the test then reads what the person reads.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from app.extensions import db


@dataclass
class Page:
    """A page as the browser shows it after any redirects."""

    browser: Browser
    url: str
    status: int
    html: str
    headers: dict
    history: list[str] = field(default_factory=list)

    @property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.html, "html.parser")

    @property
    def text(self) -> str:
        """The visible text, whitespace collapsed (what a person reads)."""
        soup = self.soup
        for tag in soup(["script", "style", "template"]):
            tag.decompose()
        return " ".join(soup.get_text(" ").split())

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def form(self, selector: str | None = None, *, action: str | None = None, button: str | None = None) -> Form:
        """The page's form matched by CSS ``selector``, by (part of) its ``action``, or by a
        button whose text contains ``button``; it must be unique."""
        soup = self.soup
        forms = soup.select(selector) if selector else soup.find_all("form")
        if action is not None:
            forms = [f for f in forms if action in (f.get("action") or "")]
        if button is not None:
            forms = [f for f in forms if any(button in b.get_text() for b in f.find_all("button"))]
        assert len(forms) == 1, f"expected one form ({selector=}, {action=}, {button=}) on {self.url}, " \
                                f"found {len(forms)}"
        return Form(self, forms[0])

    def has_form(self, *, action: str) -> bool:
        return any(action in (f.get("action") or "") for f in self.soup.find_all("form"))

    def link(self, text: str) -> str:
        """The href of the link whose text contains ``text``."""
        for a in self.soup.find_all("a"):
            if text in a.get_text() and a.get("href"):
                return urljoin(self.url, a["href"])
        raise AssertionError(f"no link {text!r} on {self.url}")

    def click(self, text: str) -> Page:
        return self.browser.get(self.link(text))

    def errors(self) -> list[str]:
        """Field and form errors shown on the page."""
        return [" ".join(e.get_text(" ").split()) for e in self.soup.select(".error, .errors li, [role=alert]")]

    def flashes(self) -> list[str]:
        return [" ".join(e.get_text(" ").split()) for e in self.soup.select(".flash, .flashes li")]


class Form:
    """One <form>: its fields as the page filled them, then what the person changes."""

    def __init__(self, page: Page, tag):
        self.page = page
        self.tag = tag
        self.action = urljoin(page.url, tag.get("action") or page.url)
        self.method = (tag.get("method") or "get").upper()
        self.multipart = (tag.get("enctype") or "").lower() == "multipart/form-data"
        self.values: list[tuple[str, str]] = []
        self.files: list[tuple[str, tuple[bytes, str]]] = []
        self.names: set[str] = set()
        self.options: dict[str, list[str]] = {}
        for el in tag.find_all(["input", "select", "textarea"]):
            name = el.get("name")
            if not name or el.has_attr("disabled"):
                continue
            self.names.add(name)
            kind = (el.get("type") or "text").lower() if el.name == "input" else el.name
            if kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind in ("checkbox", "radio"):
                self.options.setdefault(name, []).append(el.get("value", "on"))
                if el.has_attr("checked"):
                    self.values.append((name, el.get("value", "on")))
            elif kind == "select":
                options = el.find_all("option")
                self.options[name] = [o.get("value", o.get_text()) for o in options]
                chosen = [o for o in options if o.has_attr("selected")]
                if el.has_attr("multiple"):
                    self.values += [(name, o.get("value", o.get_text())) for o in chosen]
                elif options:
                    pick = chosen[0] if chosen else options[0]
                    self.values.append((name, pick.get("value", pick.get_text())))
            elif kind == "textarea":
                # As browsers parse it: a newline right after <textarea> is not part of the value.
                text = el.get_text()
                self.values.append((name, text[2:] if text.startswith("\r\n") else
                                    text[1:] if text.startswith("\n") else text))
            else:
                self.values.append((name, el.get("value", "")))

    def _require(self, name: str) -> None:
        assert name in self.names, f"the form {self.action} has no field {name!r} (fields: {sorted(self.names)})"

    def fill(self, **values) -> Form:
        """Type into text fields / pick one option (the value must be one the page offers)."""
        for name, value in values.items():
            self.set(name, value)
        return self

    def set(self, name: str, value) -> Form:
        self._require(name)
        values = value if isinstance(value, list | tuple) else [value]
        if name in self.options:
            for v in values:
                assert str(v) in self.options[name], f"{name}={v!r} is not offered: {self.options[name]}"
        self.values = [(n, v) for n, v in self.values if n != name]
        self.values += [(name, str(v)) for v in values if v is not None]
        return self

    def uncheck(self, name: str) -> Form:
        self._require(name)
        self.values = [(n, v) for n, v in self.values if n != name]
        return self

    def attach(self, name: str, filename: str, content: bytes) -> Form:
        self._require(name)
        assert self.multipart, f"the form {self.action} cannot carry files (no multipart enctype)"
        self.files.append((name, (content, filename)))
        return self

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.values if n == name), None)

    def submit(self, button: str | None = None) -> Page:
        """Press the submit button whose text contains ``button`` (its name/value are sent), or
        the form's only/first submit button."""
        values = list(self.values)
        buttons = [b for b in self.tag.find_all(["button", "input"])
                   if (b.name == "button" and (b.get("type") or "submit") == "submit")
                   or (b.name == "input" and (b.get("type") or "") == "submit")]
        if button is not None:
            buttons = [b for b in buttons if button in (b.get_text() or b.get("value", ""))]
            assert buttons, f"no button {button!r} in the form {self.action}"
        if buttons and buttons[0].get("name"):
            assert not buttons[0].has_attr("disabled"), f"the button {button!r} is disabled"
            values.append((buttons[0]["name"], buttons[0].get("value", "")))
        if self.method == "GET":
            return self.page.browser.get(self.action, query=values)
        data = MultiDict(values)
        for name, (content, filename) in self.files:
            data.add(name, (io.BytesIO(content), filename))
        return self.page.browser.request("POST", self.action, data=data,
                                         content_type="multipart/form-data" if self.multipart else None)


class Browser:
    """One person's browser on the test app (its own cookies)."""

    def __init__(self, client):
        self.client = client

    def request(self, method: str, url: str, **kwargs) -> Page:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        response = self.client.open(url, method=method, follow_redirects=True, buffered=True, **kwargs)
        db.session.expire_all()  # the request committed in its own session
        history = [r.request.path for r in response.history]
        final = response.request.url if response.request else url
        return Page(self, final, response.status_code, response.get_data().decode("utf-8", "replace"),
                    dict(response.headers), history)

    def get(self, url: str, query=None) -> Page:
        return self.request("GET", url, query_string=query)

    def sign_in(self, email: str, password: str) -> Page:
        page = self.get("/login")
        return page.form(action="/login").fill(email=email, password=password).submit()


def mail_to(folder, address: str) -> list[str]:
    """The .eml files written for ``address`` (the embedded mail default), as text, oldest first."""
    import email
    import email.policy
    from pathlib import Path

    found = []
    for path in sorted(Path(folder).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address.lower() in str(message["To"]).lower():
            body = message.get_body(preferencelist=("plain",))
            found.append(f"Subject: {message['Subject']}\n\n{body.get_content() if body else ''}")
    return found


LINK_RE = re.compile(r"https?://[^\s<>\"]+")


def links_in(text: str) -> list[str]:
    return LINK_RE.findall(text)
