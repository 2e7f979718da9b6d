"""Properties of the planner over generated values, and a model of two sides editing and syncing.

Values are drawn from a small alphabet, with "A " equal to "a" under the normalisation some
examples use, so that equal, changed, emptied and unstated fields meet often.
"""

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from sync.planner import ABSENT, Decision, Mode, Policy, import_values, record_plan

FIELDS = ("display_name", "email", "phone")
VALUES = st.sampled_from(["", "a", "b", "A "])
PM_VALUES = st.dictionaries(st.sampled_from(FIELDS), VALUES)


def loosely(value):
    return value.strip().lower()


@st.composite
def policies(draw):
    mode = draw(st.sampled_from(Mode))
    can_push = draw(st.booleans())
    if mode == Mode.FIELD_SYNC:
        ways = ["to_local", "to_remote"] if can_push else ["to_local"]
        directions = draw(st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(ways)))
        return Policy.field_sync(directions, can_push=can_push)
    return Policy(mode, can_push=can_push)


@st.composite
def situations(draw, policy=None):
    """Keyword arguments for `record_plan`: a Tandem client states every field."""
    chosen = draw(policies() if policy is None else policy)
    local = draw(st.fixed_dictionaries(dict.fromkeys(FIELDS, VALUES)))
    normalise = draw(st.sampled_from([None, dict.fromkeys(FIELDS, loosely)]))
    return {
        "local": local,
        "base": draw(st.one_of(st.none(), PM_VALUES)),
        "remote": draw(PM_VALUES),
        "fields": FIELDS,
        "policy": chosen,
        "normalise": normalise,
    }


def same(situation, name, one, other):
    compare = (situation["normalise"] or {}).get(name, lambda value: value)
    return compare(one) == compare(other)


def applied(situation, plan):
    """The inputs of the next sync once `plan` is applied to both sides and the link."""
    return {
        **situation,
        "local": {**situation["local"], **plan.changes_local},
        "remote": {**situation["remote"], **plan.changes_remote},
        "base": dict(plan.base),
    }


@given(situations(policy=st.builds(Policy.refresh, can_push=st.booleans())))
def test_refresh_never_loses_a_local_value_changed_since_base(situation):
    plan = record_plan(**situation)

    base = situation["base"] or {}
    for name, value in situation["local"].items():
        if name not in base or not same(situation, name, value, base[name]):
            assert name not in plan.changes_local


@given(situations())
def test_no_policy_takes_a_field_the_remote_does_not_state(situation):
    plan = record_plan(**situation)

    assert set(plan.changes_local) <= set(situation["remote"])


@given(situations())
def test_nothing_is_pushed_to_a_connection_that_cannot_take_it(situation):
    plan = record_plan(**situation)

    if not situation["policy"].can_push:
        assert plan.changes_remote == {}
        assert Decision.PUSH_LOCAL not in plan.decisions.values()


@given(situations(policy=st.just(Policy.overwrite())))
def test_overwrite_leaves_tandem_as_the_remote_states_it(situation):
    plan = record_plan(**situation)

    after = applied(situation, plan)
    for name, value in situation["remote"].items():
        assert same(situation, name, after["local"][name], value)
    assert plan.conflicts == ()


@given(situations())
def test_planning_again_once_a_plan_is_applied_proposes_nothing_new(situation):
    plan = record_plan(**situation)

    replanned = record_plan(**applied(situation, plan))

    assert replanned.changes_local == {}
    assert replanned.changes_remote == {}
    assert dict(replanned.base) == dict(plan.base)
    assert [item.name for item in replanned.conflicts] == [item.name for item in plan.conflicts]
    assert replanned.is_noop == (not plan.conflicts)


@given(situations(), st.randoms())
def test_plans_are_deterministic_whatever_order_the_values_come_in(situation, random):
    def shuffled(values):
        if values is None:
            return None
        items = list(values.items())
        random.shuffle(items)
        return dict(items)

    reordered = {
        **situation,
        "local": shuffled(situation["local"]),
        "base": shuffled(situation["base"]),
        "remote": shuffled(situation["remote"]),
    }

    assert record_plan(**reordered) == record_plan(**situation)


class TandemAndPracticeManagement(RuleBasedStateMachine):
    """A Tandem client and its PM record, each edited at will, synced now and then."""

    @initialize(tandem=st.fixed_dictionaries(dict.fromkeys(FIELDS, VALUES)), pm=PM_VALUES)
    def link(self, tandem, pm):
        self.tandem = tandem
        self.pm = pm
        self.base = {}

    @rule(name=st.sampled_from(FIELDS), value=VALUES)
    def edit_in_tandem(self, name, value):
        self.tandem[name] = value

    @rule(name=st.sampled_from(FIELDS), value=VALUES)
    def edit_in_pm(self, name, value):
        self.pm[name] = value

    @rule(name=st.sampled_from(FIELDS))
    def pm_stops_stating(self, name):
        self.pm.pop(name, None)

    @rule(overwrite=st.booleans(), can_push=st.booleans())
    def sync(self, overwrite, can_push):
        policy = Policy.overwrite() if overwrite else Policy.refresh(can_push=can_push)
        tandem, pm, base = dict(self.tandem), dict(self.pm), dict(self.base)

        plan = record_plan(local=tandem, base=base, remote=pm, fields=FIELDS, policy=policy)
        self.tandem.update(plan.changes_local)
        self.pm.update(plan.changes_remote)
        self.base = dict(plan.base)

        for item in plan.fields:
            name = item.name
            left_alone = item.decision in (Decision.CONFLICT, Decision.KEEP_LOCAL)
            if left_alone or name not in pm:
                assert self.tandem[name] == tandem[name]
                assert self.pm.get(name, ABSENT) == pm.get(name, ABSENT)
                assert self.base.get(name, ABSENT) == base.get(name, ABSENT)
            else:
                assert self.tandem[name] == self.pm[name] == self.base[name]
            if not overwrite and tandem[name] != base.get(name, ABSENT):
                assert self.tandem[name] == tandem[name]
            if overwrite and name in pm:
                assert self.tandem[name] == pm[name]
        if overwrite or not can_push:
            assert self.pm == pm
        again = record_plan(
            local=self.tandem, base=self.base, remote=self.pm, fields=FIELDS, policy=policy
        )
        assert again.changes_local == again.changes_remote == {}
        assert dict(again.base) == self.base


TestTandemAndPracticeManagement = TandemAndPracticeManagement.TestCase
TestTandemAndPracticeManagement.settings = settings(max_examples=200, stateful_step_count=30)


@given(remote=PM_VALUES, fields=st.lists(st.sampled_from(FIELDS), unique=True))
def test_an_imported_record_refreshed_unchanged_proposes_nothing(remote, fields):
    """The values an import takes and the base it leaves are in step with the record: a
    refresh of it finds nothing to take, push or review, whatever the policy."""
    values = import_values(remote=remote, fields=fields)
    client = {name: values.get(name, "") for name in fields}

    assert values == {name: remote[name] for name in fields if name in remote}
    for policy in (Policy.refresh(can_push=True), Policy.overwrite()):
        plan = record_plan(local=client, base=values, remote=remote, fields=fields, policy=policy)
        assert plan.changes_local == plan.changes_remote == {}
        assert plan.conflicts == ()
        assert dict(plan.base) == values
