from proposal_svc.domain.count_folding import most_behind


def test_every_item_is_folded_when_the_budget_allows() -> None:
    assert most_behind({"b": 3, "a": 9}, {"a": 9}, budget=5) == ["a", "b"]


def test_the_documents_furthest_behind_relative_to_what_they_say_go_first() -> None:
    raised = {"hot": 9_030, "tail": 30, "new": 4, "even": 12}
    folded = {"hot": 9_000, "tail": 3, "even": 12}
    # tail: 27/4; new: 4/1; hot: 30/9001; even: not behind at all.
    assert most_behind(raised, folded, budget=2) == ["tail", "new"]
    assert most_behind(raised, folded, budget=3) == ["tail", "new", "hot"]


def test_ties_are_broken_by_item_id_so_a_pass_is_deterministic() -> None:
    raised = {f"i{n}": 5 for n in range(10)}
    assert most_behind(raised, {}, budget=3) == ["i0", "i1", "i2"]
