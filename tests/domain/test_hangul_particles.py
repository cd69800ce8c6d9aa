"""Korean particles chosen by the final consonant, so messages read as people write them."""
import pytest

from app.domain.hangul import final_consonant, with_particle


@pytest.mark.parametrize(("word", "particle", "expected"), [
    ("제목", "을", "제목을"), ("문의 내용", "을", "문의 내용을"), ("이름", "를", "이름을"),
    ("주소", "을", "주소를"), ("비밀번호", "을", "비밀번호를"), ("파일", "은", "파일은"), ("사유", "은", "사유는"),
    ("상담원", "이", "상담원이"), ("팀장", "가", "팀장이"), ("관리자", "이", "관리자가"),
    ("'해결됨'", "으로", "'해결됨'으로"), ("'보류'", "으로", "'보류'로"), ("'처리중'", "로", "'처리중'으로"),
    ("서울", "으로", "서울로"), ("M-20261126-0001", "으로", "M-20261126-0001로"),
    ("M-20261126-0003", "으로", "M-20261126-0003으로"), ("screenshot.png", "을", "screenshot.png를"),
    ("receipt.pdf", "을", "receipt.pdf를"), ("file.html", "을", "file.html을"),
])
def test_particle_follows_the_final_sound(word, particle, expected):
    assert with_particle(word, particle) == expected


def test_final_consonant_reads_hangul_digits_and_skips_quotes():
    assert final_consonant("닭") == "ㄺ"
    assert final_consonant("나무") == ""
    assert final_consonant("10") == "ㅇ"
    assert final_consonant("‘환불’") == "ㄹ"
    assert final_consonant("") == ""
