from voting_svc.domain.register import RegisterRebuild, RegisterVote


def v(item: str, citizen: str, vote: str = "", choices: tuple[str, ...] = ()) -> RegisterVote:
    return RegisterVote(item, citizen, vote or f"{item}-{citizen}", choices)


def test_votes_in_the_ledger_and_on_their_way_count_once_each() -> None:
    on_the_way = [
        v("a", "3"),  # written by the ledger writer while the rebuild read: in both
        v("a", "4"),  # only on the way
        v("a", "4", "second"),  # the same citizen again (a lost claim let it through): the first counts
        v("b", "1", choices=("yes",)),
        v("a", "1"),  # the ledger already has this citizen's vote on a
    ]
    rebuild = RegisterRebuild(on_the_way)
    rebuild.from_ledger([v("a", "1"), v("a", "2")])
    rebuild.from_ledger([v("a", "3"), v("c", "9", choices=("x", "y"))])
    rest = rebuild.still_on_the_way()
    assert rest == [v("a", "4"), v("b", "1", choices=("yes",))]
    assert rebuild.counters() == {"a": (4, {}), "b": (1, {"yes": 1}), "c": (1, {"x": 1, "y": 1})}


def test_nothing_on_the_way_is_the_ledger_alone() -> None:
    rebuild = RegisterRebuild([])
    rebuild.from_ledger([v("a", "1", choices=("no",)), v("a", "2", choices=("yes",))])
    assert rebuild.still_on_the_way() == []
    assert rebuild.counters() == {"a": (2, {"no": 1, "yes": 1})}
