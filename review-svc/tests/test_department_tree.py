"""Each agency's department tree and category map, without I/O: the tree rules (no cycles, a
parent of the same agency, bounded depth), archiving, the map's rules and case routing with it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gongnon_chassis.errors import Conflict, Invalid
from gongnon_contracts.events.common import RuleAction
from gongnon_contracts.reference import POLICY_CATEGORIES
from review_svc.domain import departments as tree
from review_svc.domain.departments import CategoryMap, Department, DepartmentKind, route
from review_svc.domain.seoul import AGENCY, DEFAULT_DEPARTMENT_ID, SEOUL_DEPARTMENTS

A = "gangnam-foundation"
HEAD = tree.head_department(A, "강남문화재단")
BUREAU = Department("d-bureau", A, "시민소통본부")
SECTION = Department("d-section", A, "시민참여과", parent_id="d-bureau")
TEAM = Department("d-team", A, "제안팀", parent_id="d-section")
OTHER_AGENCY = Department("b-bureau", "busan", "시민국")
GONE = Department("d-gone", A, "폐지과", archived=True)


def by_id(*ds: Department) -> dict[str, Department]:
    return {d.id: d for d in ds}


TREE = by_id(HEAD, BUREAU, SECTION, TEAM, OTHER_AGENCY, GONE)


def test_head_of_a_registered_agency() -> None:
    assert HEAD.id == "gangnam-foundation-head"
    assert HEAD.kind == DepartmentKind.HEAD
    assert HEAD.name == "강남문화재단 기관장"


def test_a_new_department_at_the_top_or_under_a_parent_of_its_agency() -> None:
    top = tree.new_department("d-new", A, "  문화정책실 ", "", None, TREE)
    assert (top.name, top.parent_id, top.agency) == ("문화정책실", None, A)
    under = tree.new_department("d-new", A, "축제과", "축제팀", "d-bureau", TREE)
    assert (under.parent_id, under.unit) == ("d-bureau", "축제팀")


@pytest.mark.parametrize(
    ("parent", "code"),
    [
        ("b-bureau", "invalid_parent"),  # another agency's
        ("nowhere", "invalid_parent"),
        (HEAD.id, "invalid_parent"),  # the head is outside the tree
        ("d-gone", "parent_archived"),
    ],
)
def test_a_parent_must_be_an_active_department_of_the_same_agency(parent: str, code: str) -> None:
    with pytest.raises(Invalid) as err:
        tree.new_department("d-new", A, "과", "", parent, TREE)
    assert err.value.code == code


@pytest.mark.parametrize("name", ["", "   ", "가" * 61])
def test_a_name_has_one_to_sixty_characters(name: str) -> None:
    with pytest.raises(Invalid) as err:
        tree.new_department("d-new", A, name, "", None, TREE)
    assert err.value.code == "invalid_name"


@pytest.mark.parametrize("new_parent", ["d-bureau", "d-section", "d-team"])
def test_no_cycles_a_department_never_moves_under_itself_or_its_own(new_parent: str) -> None:
    with pytest.raises(Invalid) as err:
        tree.changed(BUREAU, TREE, changes={"parent_id": new_parent})
    assert err.value.code == "department_cycle"


def test_moves_keep_the_tree_within_its_depth() -> None:
    deep = by_id(*TREE.values(), Department("d-4", A, "4단계", parent_id="d-team"))
    with pytest.raises(Invalid) as err:
        tree.new_department("d-5", A, "5단계", "", "d-4", deep)
    assert err.value.code == "tree_too_deep"
    # The section carries three levels (section → team → d-4): under a second-level one that makes five.
    other = Department("d-other", A, "다른본부")
    deep = by_id(*deep.values(), other, Department("d-o2", A, "과", parent_id="d-other"))
    with pytest.raises(Invalid) as err:
        tree.changed(SECTION, deep, changes={"parent_id": "d-o2"})
    assert err.value.code == "tree_too_deep"
    moved = tree.changed(SECTION, deep, changes={"parent_id": "d-other"})  # 1 + 3 levels: fine
    assert moved.parent_id == "d-other"


def test_rename_and_move_to_the_top() -> None:
    renamed = tree.changed(SECTION, TREE, changes={"name": "시민협력과", "unit": "협력팀"})
    assert (renamed.name, renamed.unit, renamed.parent_id) == ("시민협력과", "협력팀", "d-bureau")
    assert tree.changed(SECTION, TREE, changes={"parent_id": None}).parent_id is None
    assert tree.changed(SECTION, TREE, changes={}) == SECTION
    with pytest.raises(Invalid):
        tree.changed(HEAD, TREE, changes={"parent_id": "d-bureau"})
    with pytest.raises(Conflict) as err:
        tree.changed(GONE, TREE, changes={"name": "부활과"})
    assert err.value.code == "department_archived"


def test_archive_leaves_first_never_the_head_and_again_changes_nothing() -> None:
    with pytest.raises(Conflict) as err:
        tree.archived(BUREAU, TREE)
    assert err.value.code == "has_active_children"
    assert err.value.details == {"children": ["d-section"]}
    done = tree.archived(TEAM, TREE)
    assert done.archived
    assert not done.takes_cases
    assert tree.archived(done, TREE) is done
    with pytest.raises(Conflict) as err:
        tree.archived(HEAD, TREE)
    assert err.value.code == "head_department"


def test_category_map_names_known_categories_and_active_departments_of_the_agency() -> None:
    cmap = tree.category_map(A, {"culture": "d-section"}, "d-bureau", TREE, POLICY_CATEGORIES, 3)
    assert cmap == CategoryMap(A, {"culture": "d-section"}, "d-bureau", 3)
    for mapping, default, code in [
        ({"nonsense": "d-section"}, None, "unknown_category"),
        ({"culture": "b-bureau"}, None, "unknown_department"),
        ({"culture": HEAD.id}, None, "unknown_department"),
        ({"culture": "d-gone"}, None, "department_archived"),
        ({}, "b-bureau", "unknown_department"),
        ({}, "d-gone", "department_archived"),
    ]:
        with pytest.raises(Invalid) as err:
            tree.category_map(A, mapping, default, TREE, POLICY_CATEGORIES, 1)
        assert err.value.code == code, (mapping, default)


def test_routing_with_the_map_then_the_default_then_the_head() -> None:
    pool = list(TREE.values())
    cmap = CategoryMap(A, {"culture": "d-section", "welfare": "d-gone"}, "d-bureau")
    assert route(pool, "culture", RuleAction.DEPARTMENT_ANSWER, cmap) == SECTION
    assert route(pool, "transport", RuleAction.DEPARTMENT_ANSWER, cmap) == BUREAU  # unmapped: default
    # Archived departments get no new cases: the default takes them.
    assert route(pool, "welfare", RuleAction.DEPARTMENT_ANSWER, cmap) == BUREAU
    no_default = CategoryMap(A, {"culture": "d-section"})
    assert route(pool, "transport", RuleAction.DEPARTMENT_ANSWER, no_default) == HEAD
    archived_default = CategoryMap(A, {}, "d-gone")
    assert route(pool, "transport", RuleAction.DEPARTMENT_ANSWER, archived_default) == HEAD
    assert route(pool, "culture", RuleAction.HEAD_ANSWER, cmap) == HEAD
    assert route([], "culture", RuleAction.DEPARTMENT_ANSWER, CategoryMap(A, {})) is None


def test_an_archived_department_gets_no_cases_without_a_map_either() -> None:
    welfare = next(d for d in SEOUL_DEPARTMENTS if d.id == "dept-welfare")
    pool = [d if d.id != "dept-welfare" else replace(welfare, archived=True) for d in SEOUL_DEPARTMENTS]
    routed = route(pool, "welfare", RuleAction.DEPARTMENT_ANSWER)
    assert routed is not None
    assert routed.id == DEFAULT_DEPARTMENT_ID  # the one holding "other"


def test_seoul_map_from_its_seeded_departments_routes_as_before() -> None:
    cmap = tree.legacy_map(AGENCY, SEOUL_DEPARTMENTS, DEFAULT_DEPARTMENT_ID)
    assert set(cmap.mapping) == set(POLICY_CATEGORIES)
    for category in POLICY_CATEGORIES:
        with_map = route(SEOUL_DEPARTMENTS, category, RuleAction.DEPARTMENT_ANSWER, cmap)
        without = route(SEOUL_DEPARTMENTS, category, RuleAction.DEPARTMENT_ANSWER)
        assert with_map == without, category
    assert tree.categories_of("dept-welfare", cmap) == ("welfare",)
    assert tree.categories_of("dept-head", cmap) == ()
