"""Return addresses (next=) are judged as a browser will parse them, by one checker, on every route."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from app.web.redirects import safe_next
from tests.factories import PASSWORD, login, make_user

# What a browser would take to another host: tabs and newlines are dropped, backslashes are slashes,
# leading controls and spaces are stripped.
HOSTILE = ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", " //evil.example",
           "/\\evil.example", "\\\\evil.example", "\\/evil.example", "//evil.example", "https://evil.example",
           "javascript:alert(1)", "/\x00/evil.example".replace("\x00", "\t"), "\x01//evil.example",
           "evil.example", "/ok\x7f"]


@pytest.mark.parametrize("target", HOSTILE)
def test_the_checker_refuses_what_a_browser_would_send_elsewhere(target):
    assert safe_next(target, "/fallback") == "/fallback"


@pytest.mark.parametrize(("target", "expected"), [
    ("/inquiries", "/inquiries"), ("/desk?view=mine", "/desk?view=mine"), ("/a\\b", "/a/b"),
    ("  /help", "/help"), ("/desk/tickets/M-1%09x", "/desk/tickets/M-1%09x")])
def test_the_checker_keeps_paths_on_this_site(target, expected):
    assert safe_next(target, "/fallback") == expected


def _lands_here(location: str) -> bool:
    parts = urlsplit(location.replace("\\", "/").replace("\t", "").replace("\n", ""))
    return not parts.netloc and not parts.scheme and location.startswith("/") and not location.startswith("//")


@pytest.mark.parametrize("target", HOSTILE[:8])
def test_availability_toggle_never_redirects_off_site(app, client, target):
    agent = make_user("agent", queues=["orders"])
    login(client, agent)
    response = client.post_form("/desk/availability", {"available": "0", "next": target})
    assert response.status_code == 302
    assert _lands_here(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE[:8])
def test_sign_in_and_language_never_redirect_off_site(app, client, target):
    user = make_user("customer")
    response = client.post_form(f"/login?next={target}", {"email": user.email, "password": PASSWORD,
                                                          "next": target})
    assert response.status_code == 302 and _lands_here(response.headers["Location"]), response.headers["Location"]
    response = client.post_form("/language", {"lang": "en", "next": target})
    assert response.status_code == 302 and _lands_here(response.headers["Location"]), response.headers["Location"]
