import pytest

from sync.planner import ABSENT, Decision, Direction, Mode, Policy, import_values, record_plan

UNCHANGED = Decision.UNCHANGED
TAKE = Decision.TAKE_REMOTE
KEEP = Decision.KEEP_LOCAL
PUSH = Decision.PUSH_LOCAL
CONFLICT = Decision.CONFLICT

POLICIES = {
    "refresh": Policy.refresh(),
    "refresh+push": Policy.refresh(can_push=True),
    "overwrite": Policy.overwrite(),
    "to_local": Policy.field_sync({"email": "to_local"}),
    "to_remote": Policy.field_sync({"email": "to_remote"}, can_push=True),
}

# (situation, local, base, remote): each against every policy, in POLICIES' order.
SITUATIONS = {
    "all equal": ("a", "a", "a"),
    "only remote changed": ("a", "a", "b"),
    "only local changed": ("b", "a", "a"),
    "both changed differently": ("b", "a", "c"),
    "both changed the same way": ("b", "a", "b"),
    "no base, equal": ("a", ABSENT, "a"),
    "no base, different": ("a", ABSENT, "b"),
    "remote emptied the field": ("a", "a", ""),
    "no base, remote empty": ("a", ABSENT, ""),
    "remote silent, local unchanged": ("a", "a", ABSENT),
    "remote silent, local changed": ("b", "a", ABSENT),
    "remote silent, no base": ("a", ABSENT, ABSENT),
}
# Decision, then the field's base after the plan (ABSENT: still none).
TABLE = {
    "all equal": [(UNCHANGED, "a")] * 5,
    "only remote changed": [(TAKE, "b")] * 4 + [(PUSH, "a")],
    "only local changed": [
        (KEEP, "a"),
        (PUSH, "b"),
        (TAKE, "a"),
        (TAKE, "a"),
        (PUSH, "b"),
    ],
    "both changed differently": [
        (CONFLICT, "a"),
        (CONFLICT, "a"),
        (TAKE, "c"),
        (TAKE, "c"),
        (PUSH, "b"),
    ],
    "both changed the same way": [(UNCHANGED, "b")] * 5,
    "no base, equal": [(UNCHANGED, "a")] * 5,
    "no base, different": [(CONFLICT, ABSENT)] * 2 + [(TAKE, "b")] * 2 + [(PUSH, "a")],
    "remote emptied the field": [(TAKE, "")] * 4 + [(PUSH, "a")],
    "no base, remote empty": [(CONFLICT, ABSENT)] * 2 + [(TAKE, "")] * 2 + [(PUSH, "a")],
    "remote silent, local unchanged": [(UNCHANGED, "a")] * 5,
    "remote silent, local changed": [(KEEP, "a")] * 5,
    "remote silent, no base": [(KEEP, ABSENT)] * 5,
}
CASES = [
    pytest.param(situation, policy_name, *expected, id=f"{situation} | {policy_name}")
    for situation, row in TABLE.items()
    for policy_name, expected in zip(POLICIES, row, strict=True)
]


def plan_one(local, base, remote, policy, **options):
    """Plan the one field "email"; ABSENT leaves it out of that side's values."""
    return record_plan(
        local={} if local is ABSENT else {"email": local},
        base={} if base is ABSENT else {"email": base},
        remote={} if remote is ABSENT else {"email": remote},
        fields=["email"],
        policy=policy,
        **options,
    )


@pytest.mark.parametrize(("situation", "policy_name", "decision", "agreed"), CASES)
def test_decision_table(situation, policy_name, decision, agreed):
    local, base, remote = SITUATIONS[situation]

    plan = plan_one(local, base, remote, POLICIES[policy_name])

    assert plan.decisions == {"email": decision}
    assert plan.base.get("email", ABSENT) == agreed
    assert plan.changes_local == ({"email": remote} if decision == TAKE else {})
    assert plan.changes_remote == ({"email": local} if decision == PUSH else {})
    assert [item.name for item in plan.conflicts] == (["email"] if decision == CONFLICT else [])


def test_every_situation_meets_every_policy():
    assert set(TABLE) == set(SITUATIONS)


@pytest.mark.parametrize("base", [None, {}])
def test_a_never_synced_link_may_pass_no_base(base):
    plan = record_plan(
        local={"email": "a"},
        base=base,
        remote={"email": "b"},
        fields=["email"],
        policy=Policy.refresh(),
    )

    assert plan.decisions == {"email": CONFLICT}
    assert plan.previous_base == {}


def test_import_takes_every_field_the_remote_states_into_a_client_that_has_none():
    values = import_values(
        remote={"display_name": "Acme", "email": "", "phone": "+6421", "notes": "not synced"},
        fields=["display_name", "email", "phone", "website"],
    )

    assert values == {"display_name": "Acme", "email": "", "phone": "+6421"}


def test_field_sync_plans_only_the_fields_the_person_chose():
    plan = record_plan(
        local={"email": "mine@x.nz", "phone": "+641", "code": "A1"},
        base={"email": "old@x.nz", "phone": "+640", "code": "A0"},
        remote={"email": "theirs@x.nz", "phone": "+642", "code": "A2"},
        fields=["email", "phone", "code"],
        policy=Policy.field_sync({"email": "to_remote", "code": "to_local"}, can_push=True),
    )

    assert plan.decisions == {"email": PUSH, "code": TAKE}
    assert plan.changes_remote == {"email": "mine@x.nz"}
    assert plan.changes_local == {"code": "A2"}
    assert plan.base == {"email": "mine@x.nz", "phone": "+640", "code": "A2"}


def test_fields_out_of_scope_are_not_planned_and_keep_their_base():
    plan = record_plan(
        local={"email": "a", "phone": "1"},
        base={"email": "a", "phone": "0", "mobile": "9"},
        remote={"email": "b", "phone": "2"},
        fields=["email"],
        policy=Policy.overwrite(),
    )

    assert plan.decisions == {"email": TAKE}
    assert plan.base == {"email": "b", "phone": "0", "mobile": "9"}


def test_fields_are_planned_in_the_order_given_once_each():
    plan = record_plan(
        local={"email": "a", "phone": "1", "code": "c"},
        base=None,
        remote={"email": "a", "phone": "1", "code": "c"},
        fields=["phone", "code", "phone", "email"],
        policy=Policy.refresh(),
    )

    assert [item.name for item in plan.fields] == ["phone", "code", "email"]


def test_values_are_compared_through_the_fields_normalisation_and_planned_as_given():
    normalise = {"email": str.lower}

    same = plan_one("Ann@X.nz", "ann@x.nz", "ANN@x.NZ", Policy.refresh(), normalise=normalise)
    changed = plan_one("Ann@X.nz", "ann@x.nz", "bob@x.nz", Policy.refresh(), normalise=normalise)

    assert same.decisions == {"email": UNCHANGED}
    assert same.base == {"email": "Ann@X.nz"}
    assert changed.changes_local == {"email": "bob@x.nz"}


def test_without_normalisation_values_are_compared_as_given():
    plan = plan_one("Ann@X.nz", "Ann@X.nz", "ann@x.nz", Policy.refresh())

    assert plan.changes_local == {"email": "ann@x.nz"}


def test_an_empty_date_is_a_value_the_remote_states():
    plan = record_plan(
        local={"date_of_birth": "1980-01-02"},
        base={"date_of_birth": "1980-01-02"},
        remote={"date_of_birth": None},
        fields=["date_of_birth"],
        policy=Policy.refresh(),
    )

    assert plan.changes_local == {"date_of_birth": None}


def test_a_plan_that_writes_nothing_and_agrees_on_the_base_is_a_noop():
    assert plan_one("a", "a", "a", Policy.refresh()).is_noop
    assert plan_one("b", "a", ABSENT, Policy.refresh()).is_noop


@pytest.mark.parametrize(
    ("local", "base", "remote"),
    [
        pytest.param("a", "a", "b", id="a change to take"),
        pytest.param("b", "a", "c", id="a conflict to review"),
        pytest.param("b", "a", "b", id="a new base to record"),
    ],
)
def test_a_plan_with_anything_to_do_is_not_a_noop(local, base, remote):
    assert not plan_one(local, base, remote, Policy.refresh()).is_noop


def test_a_local_change_offered_for_push_is_not_a_noop():
    assert not plan_one("b", "a", "a", Policy.refresh(can_push=True)).is_noop


def test_each_field_plan_keeps_the_values_it_was_decided_from():
    (item,) = plan_one("b", ABSENT, "c", Policy.refresh()).fields

    assert (item.name, item.local, item.base, item.remote) == ("email", "b", ABSENT, "c")


def test_local_values_must_state_every_field_in_scope_outside_an_import():
    with pytest.raises(ValueError, match="Local values lack fields in scope: phone"):
        record_plan(
            local={"email": "a"},
            base=None,
            remote={"email": "a", "phone": "1"},
            fields=["email", "phone"],
            policy=Policy.overwrite(),
        )


def test_a_connection_that_cannot_push_takes_no_direction_to_the_remote():
    with pytest.raises(ValueError, match="cannot push"):
        Policy.field_sync({"email": "to_remote"})


def test_a_direction_is_one_of_the_two():
    with pytest.raises(ValueError, match="sideways"):
        Policy.field_sync({"email": "sideways"})


def test_only_a_field_sync_takes_directions():
    with pytest.raises(ValueError, match="Only a field sync takes directions"):
        Policy(Mode.REFRESH, directions={"email": "to_local"})


def test_policy_directions_are_read_only_and_typed():
    directions = {"email": "to_local"}
    policy = Policy.field_sync(directions)
    directions["phone"] = "to_local"

    assert dict(policy.directions) == {"email": Direction.TO_LOCAL}
    with pytest.raises(TypeError):
        policy.directions["phone"] = Direction.TO_LOCAL


def test_a_push_held_back_leaves_the_field_changed_in_tandem_for_the_next_plan():
    policy = Policy.refresh(can_push=True)
    plan = record_plan(
        local={"email": "new@tandem.example", "phone": "+6495550100"},
        base={"email": "old@example.com", "phone": "+6495550199"},
        remote={"email": "old@example.com", "phone": "+6495550100"},
        fields=["email", "phone"],
        policy=policy,
    )

    assert plan.decisions == {"email": PUSH, "phone": UNCHANGED}
    assert plan.base["email"] == "new@tandem.example"
    assert dict(plan.base_without_pushes) == {
        "email": "old@example.com",
        "phone": "+6495550100",
    }
    replanned = record_plan(
        local={"email": "new@tandem.example", "phone": "+6495550100"},
        base=plan.base_without_pushes,
        remote={"email": "old@example.com", "phone": "+6495550100"},
        fields=["email", "phone"],
        policy=policy,
    )
    assert replanned.decisions["email"] == PUSH
