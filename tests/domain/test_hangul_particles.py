"""Korean particles (조사) chosen by the word's last sound, so messages read "제목을 입력해 주세요"
rather than the machine-made "제목을(를)"."""
from __future__ import annotations

import pytest

from app.domain.errors import DomainError, FieldErrors
from app.domain.hangul import final_consonant, particle, with_particle


@pytest.mark.parametrize(("word", "which", "expected"), [
    ("제목", "을", "제목을"), ("제목", "를", "제목을"),
    ("문의 내용", "을", "문의 내용을"), ("내용", "를", "내용을"),
    ("문의 유형", "을", "문의 유형을"), ("주소", "을", "주소를"), ("이메일 주소", "를", "이메일 주소를"),
    ("제목", "은", "제목은"), ("비밀번호", "은", "비밀번호는"),
    ("주문", "이", "주문이"), ("파일", "가", "파일이"), ("상태", "이", "상태가"),
    ("고객", "와", "고객과"), ("상담원", "과", "상담원과"), ("팀장", "와", "팀장과"), ("관리자", "과", "관리자와"),
    # 으로/로: ㄹ takes 로 like a vowel
    ("'해결됨'", "으로", "'해결됨'으로"), ("'처리중'", "로", "'처리중'으로"), ("'보류'", "으로", "'보류'로"),
    ("'종료'", "으로", "'종료'로"), ("'답변 대기'", "으로", "'답변 대기'로"), ("서울", "으로", "서울로"),
    ("'고객 확인 요청'", "로", "'고객 확인 요청'으로"),
    # digits are read in Korean: 1 일, 2 이, 3 삼, 10 십 (영 for 0 reads as a final ㅇ)
    ("M-20261126-0001", "로", "M-20261126-0001로"), ("3", "을", "3을"), ("2", "을", "2를"), ("0", "이", "0이"),
])
def test_particle_follows_the_last_sound(word, which, expected):
    assert with_particle(word, which) == expected


@pytest.mark.parametrize(("word", "which", "expected"), [
    ("", "이", "이(가)"), ("#", "을", "을(를)"), ("★", "로", "(으)로"),
])
def test_unknown_reading_gets_both_forms(word, which, expected):
    assert particle(word, which) == expected


@pytest.mark.parametrize(("word", "which", "expected"), [
    ("screenshot.png", "을", "를"), ("receipt.pdf", "을", "를"), ("file.html", "을", "을"),
    ("PDF", "은", "는"), ("ABC", "로", "로"), ("KakaoPay", "이", "가"), ("SKU-M", "을", "을"),
])
def test_latin_letters_are_read_by_their_names(word, which, expected):
    assert particle(word, which) == expected


def test_final_consonant():
    assert final_consonant("값") == "ㅄ" and final_consonant("나") == "" and final_consonant("x") == ""
    assert final_consonant("#") is None
    assert final_consonant("「문의」 ") == ""        # closing brackets and spaces are looked through
    assert final_consonant("'해결됨'") == "ㅁ"


def test_field_errors_collects_every_field_in_one_error():
    errors = FieldErrors()
    assert not errors
    errors.add("subject", "required", "제목을 입력해 주세요.", "Please enter the subject.")
    errors.add("subject", "too_long", "두 번째", "second")          # the first problem per field wins
    errors.add("body", "required", "문의 내용을 입력해 주세요.", "Please enter the details.")
    with pytest.raises(DomainError) as caught:
        errors.raise_if_any()
    exc = caught.value
    assert exc.code == "validation_failed" and exc.status == 422
    assert exc.fields == {"subject": "required", "body": "required"}
    assert exc.field_message("subject", "ko") == "제목을 입력해 주세요."
    assert exc.field_message("body", "en") == "Please enter the details."
    assert exc.message("ko") == "제목을 입력해 주세요. 문의 내용을 입력해 주세요."


def test_a_lone_problem_keeps_its_own_code_and_status():
    errors = FieldErrors()
    errors.add_error(DomainError("unsupported_file_type", "못 올립니다.", "Cannot attach.", status=415,
                                 fields={"files": "unsupported_file_type"}))
    exc = errors.error()
    assert (exc.code, exc.status, exc.fields) == ("unsupported_file_type", 415, {"files": "unsupported_file_type"})
    # An error made the old way (fields only) answers every field with its one message.
    old = DomainError("validation_failed", "주문을 찾을 수 없습니다.", "Not found.", fields={"order_number": "x"})
    assert old.field_messages == {} and old.field_message("order_number", "ko") == "주문을 찾을 수 없습니다."



@pytest.mark.parametrize(("word", "particle_", "expected"), [
    ("M-20261126-0003", "으로", "M-20261126-0003으로"), ("‘환불’", "을", "‘환불’을"), ("닭", "이", "닭이"),
    ("10", "이", "10이"), ("나무", "을", "나무를"),
])
def test_more_words(word, particle_, expected):
    assert with_particle(word, particle_) == expected
