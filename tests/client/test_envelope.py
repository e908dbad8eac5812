"""Every envelope shape unwrapped, every error envelope typed."""

from __future__ import annotations

import pytest

from nemo_widgets.client import (
    AuthError,
    BadRequest,
    FileTooLarge,
    NoCredits,
    PlanRequired,
    RateLimited,
    ServerError,
    SessionLost,
    UnsupportedFile,
)
from nemo_widgets.client.envelope import unwrap_body


def test_all_three_envelopes_unwrap():
    assert unwrap_body(200, {"code": 0, "message": "ok", "data": {"x": 1}}) == {"x": 1}
    assert unwrap_body(200, {"success": True, "data": {"status": "pending"}}) == {
        "status": "pending"}
    assert unwrap_body(200, {"id": "r", "status": "completed"}) == {"id": "r",
                                                                    "status": "completed"}


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"code": 1001, "message": "expired"}, AuthError),
    (200, {"code": 1001, "message": "expired"}, AuthError),
    (404, {"code": 1002, "message": "gone"}, SessionLost),
    (404, {"detail": "Session not found"}, SessionLost),
    (402, {"code": 2001, "message": "no credits"}, NoCredits),
    (200, {"code": "2001", "message": "no credits"}, NoCredits),
    (415, {"code": 4001, "message": "bad format"}, UnsupportedFile),
    (413, {"code": 4002, "message": "too big"}, FileTooLarge),
    (402, {"code": 402, "message": "free plan"}, PlanRequired),
    (200, {"code": 402, "message": "free plan"}, PlanRequired),
    (429, {"code": 429, "message": "slow down"}, RateLimited),
    (409, {"code": 4009, "message": "dup"}, BadRequest),
    (503, {"code": 503, "message": "later"}, ServerError),
    (502, "not json", ServerError),
    (200, {"success": False, "error": "render exploded"}, BadRequest),
])
def test_error_envelopes_become_typed_errors(status, body, kind):
    with pytest.raises(kind):
        unwrap_body(status, body)
