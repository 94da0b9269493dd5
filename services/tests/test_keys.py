from hypothesis import given
from hypothesis import strategies as st

from gongnon_chassis.keys import pair_key, scope_range

ids = st.text(min_size=1, max_size=12)


def _in(key: str, f: dict[str, str]) -> bool:
    # Mongo compares strings by their UTF-8 bytes.
    return f["$gte"].encode() <= key.encode() < f["$lt"].encode()


@given(ids, ids, ids)
def test_a_scope_range_holds_exactly_its_scopes_pairs(scope: str, member: str, other_scope: str) -> None:
    assert _in(pair_key(scope, member), scope_range(scope))
    if other_scope != scope:
        assert not _in(pair_key(other_scope, member), scope_range(scope))


@given(ids, ids, ids)
def test_pair_keys_sort_like_their_members_within_a_scope(scope: str, a: str, b: str) -> None:
    assert (pair_key(scope, a).encode() < pair_key(scope, b).encode()) == (a.encode() < b.encode())
    assert (pair_key(scope, a) == pair_key(scope, b)) == (a == b)
