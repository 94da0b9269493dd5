"""List cursors (gongnon_chassis.cursors): only what the service sealed, for that list, opens;
anything else — random bytes and text, any edit, truncation or extension, another list's or
another service's cursor — raises InvalidCursor (400 `invalid_cursor`) and nothing else."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongnon_chassis.cursors import MAX_CURSOR_CHARS, CursorSigner
from gongnon_chassis.errors import InvalidCursor
from gongnon_chassis.settings import ServiceSettings

SIGNER = CursorSigner(b"secret", "proposal-svc")
FIELDS = {"s": "popular", "t": "2025-03-01T09:00:00+00:00", "id": "pr_0193a1b2c3d4e5f6a7b8c9", "c": 51}
REAL = SIGNER.seal_fields("proposals", FIELDS)
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)


def refused(scope: str, cursor: str) -> bool:
    try:
        SIGNER.open(scope, cursor)
    except InvalidCursor:
        return True
    return False


def test_the_refusal_is_a_400_invalid_cursor() -> None:
    assert (InvalidCursor.status, InvalidCursor.code) == (400, "invalid_cursor")


def test_a_sealed_cursor_opens_for_its_own_list_only() -> None:
    assert SIGNER.open_fields("proposals", REAL) == FIELDS
    assert set(REAL) <= set(B64)
    assert len(REAL) < 200
    assert refused("comments:pr_1", REAL)
    assert SIGNER.open_id("debates", SIGNER.seal_id("debates", "db_1")) == "db_1"
    with pytest.raises(InvalidCursor):
        SIGNER.open_id("consultations", SIGNER.seal_id("debates", "db_1"))
    with pytest.raises(InvalidCursor):  # a sealed payload that is no id
        SIGNER.open_id("debates", SIGNER.seal("debates", b"\xff\x00"))
    with pytest.raises(InvalidCursor):
        SIGNER.open_fields("proposals", SIGNER.seal("proposals", b"[1, 2]"))
    with pytest.raises(InvalidCursor):
        SIGNER.open_fields("proposals", SIGNER.seal("proposals", b'{"c": NaN}'))


def test_another_key_or_service_does_not_open_it() -> None:
    assert not refused("proposals", CursorSigner(b"secret", "proposal-svc").seal_fields("proposals", FIELDS))
    for other in (CursorSigner(b"other", "proposal-svc"), CursorSigner(b"secret", "review-svc")):
        assert refused("proposals", other.seal_fields("proposals", FIELDS))


def test_the_development_key_is_used_only_when_none_is_set() -> None:
    dev = CursorSigner.for_service(ServiceSettings(SERVICE_NAME="proposal-svc", GONGNON_TEST_MODE=True))
    assert dev.open_fields("proposals", dev.seal_fields("proposals", FIELDS)) == FIELDS
    own = CursorSigner.for_service(ServiceSettings(SERVICE_NAME="proposal-svc", GONGNON_CURSOR_SECRET="s3"))
    with pytest.raises(InvalidCursor):
        own.open("proposals", dev.seal_fields("proposals", FIELDS))


@SETTINGS
@given(raw=st.binary(max_size=600))
def test_random_bytes_are_refused(raw: bytes) -> None:
    assert refused("proposals", base64.urlsafe_b64encode(raw).decode().rstrip("="))


@SETTINGS
@given(text=st.text(max_size=700))
def test_random_text_is_refused(text: str) -> None:
    assert refused("proposals", text)


@SETTINGS
@given(i=st.integers(0, len(REAL) - 1), ch=st.sampled_from(B64))
def test_any_one_character_changed_is_refused(i: int, ch: str) -> None:
    forged = REAL[:i] + ch + REAL[i + 1 :]
    assert forged == REAL or refused("proposals", forged)


@SETTINGS
@given(cut=st.integers(0, len(REAL) - 1), tail=st.text(alphabet=B64, max_size=8))
def test_truncated_or_extended_is_refused(cut: int, tail: str) -> None:
    assert refused("proposals", REAL[:cut])
    if tail:
        assert refused("proposals", REAL + tail)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@SETTINGS
@given(key=st.sampled_from(["s", "t", "id", "c", "x"]), value=JSONISH | st.integers(min_value=2**63) | st.just(1e308))
def test_a_field_edited_under_the_old_signature_is_refused(key: str, value: Any) -> None:
    raw = base64.urlsafe_b64decode(REAL + "=" * (-len(REAL) % 4))
    payload, tag = raw[:-16], raw[-16:]
    edited = json.dumps({**json.loads(payload), key: value}, separators=(",", ":")).encode()
    forged = base64.urlsafe_b64encode(edited + tag).decode().rstrip("=")
    assert forged == REAL or refused("proposals", forged)


def test_overlong_cursors_are_refused_before_decoding() -> None:
    assert refused("proposals", "A" * (MAX_CURSOR_CHARS + 1))
    assert refused("proposals", "")
