"""The one way a service refuses an input: ``invalid(fields, ko, en)``."""
from __future__ import annotations

from app.domain.errors import DomainError, invalid


def test_invalid_is_a_422_validation_error_naming_its_fields():
    exc = invalid({"name": "required"}, "이름을 입력해 주세요.", "Please enter a name.")
    assert isinstance(exc, DomainError)
    assert (exc.code, exc.status, exc.fields) == ("validation_failed", 422, {"name": "required"})
    assert exc.message("ko") == "이름을 입력해 주세요."
    assert exc.message("en") == "Please enter a name."
    assert exc.field_message("name", "en") == "Please enter a name."


def test_invalid_with_its_own_code_and_status():
    exc = invalid({"target": "same_ticket"}, "같은 문의에 병합할 수 없습니다.",
                  "A ticket cannot be merged into itself.", code="same_ticket", status=409)
    assert (exc.code, exc.status, exc.fields) == ("same_ticket", 409, {"target": "same_ticket"})
