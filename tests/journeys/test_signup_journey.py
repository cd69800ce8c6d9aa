"""A new customer signs up through the real form, lands signed in, and can sign in again."""
from __future__ import annotations

from app.extensions import db
from app.models import User


def test_new_customer_signs_up_through_the_form_and_is_signed_in(app, browser):
    person = browser()
    page = person.get("/help").click("회원가입")
    assert page.path == "/signup"
    page = page.form(action="/signup").fill(
        name="김민지", email="Minji.Kim@Example.com", password="long-enough-1", confirm="long-enough-1").submit()
    assert page.status == 200, page.text
    assert page.path == "/help"
    assert "가입을 환영합니다" in page.text
    assert "김민지" in page.text and "로그아웃" in page.text
    user = db.session.scalars(db.select(User).where(User.email == "minji.kim@example.com")).one()
    assert user.role == "customer" and user.locale == "ko"

    # signed out, the same person signs in with what they chose
    page.form(action="/logout").submit()
    again = browser().sign_in("minji.kim@example.com", "long-enough-1")
    assert again.path == "/inquiries" and "김민지" in again.text


def test_signup_shows_every_problem_at_once_and_creates_nobody(app, browser):
    page = browser().get("/signup")
    page = page.form(action="/signup").fill(name="", email="not-an-email", password="short",
                                            confirm="different").submit()
    assert page.status == 400 and page.path == "/signup"
    errors = " ".join(page.errors())
    assert "이름을 입력해 주세요." in errors
    assert "이메일 주소가 올바르지 않습니다." in errors
    assert "8자 이상" in errors
    assert "비밀번호가 일치하지 않습니다." in errors
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_signup_with_a_taken_email_says_so(app, browser):
    from tests.factories import make_user

    make_user("customer", email="taken@test.munui.kr")
    page = browser().get("/signup").form(action="/signup").fill(
        name="이준호", email="TAKEN@test.munui.kr", password="long-enough-1", confirm="long-enough-1").submit()
    assert page.status == 400 and page.path == "/signup"
    assert "이미 가입된 이메일입니다" in page.text


def test_signup_in_english(app, browser):
    person = browser()
    page = person.get("/signup")
    page = page.form(action="/language").submit()
    assert "Sign up" in page.text
    page = person.get("/signup").form(action="/signup").fill(
        name="Jane", email="jane@example.com", password="long-enough-1", confirm="long-enough-1").submit()
    assert page.path == "/help" and "Welcome" in page.text
    assert db.session.scalars(db.select(User).where(User.email == "jane@example.com")).one().locale == "en"
