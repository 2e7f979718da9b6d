import pytest

from matching.cache import candidate_index_clear, candidate_index_get
from matching.records import MatchRecord


@pytest.fixture(autouse=True)
def _clean_cache():
    candidate_index_clear()
    yield
    candidate_index_clear()


def loader(names, calls):
    def load():
        calls.append(1)
        return [MatchRecord(key=i, name=name) for i, name in enumerate(names)]

    return load


def test_one_build_per_directory_version():
    calls = []
    first = candidate_index_get(
        namespace="connection:1", version=1, load=loader(["Kauri Ltd"], calls)
    )
    again = candidate_index_get(namespace="connection:1", version=1, load=loader(["Other"], calls))
    assert again is first
    assert len(calls) == 1


def test_a_new_version_rebuilds_and_replaces_the_old():
    calls = []
    old = candidate_index_get(
        namespace="connection:1", version=1, load=loader(["Kauri Ltd"], calls)
    )
    new = candidate_index_get(namespace="connection:1", version=2, load=loader(["Rimu Ltd"], calls))
    assert new is not old
    assert new.search("Rimu")[0].record.name == "Rimu Ltd"
    candidate_index_get(namespace="connection:1", version=1, load=loader(["Kauri Ltd"], calls))
    assert len(calls) == 3


def test_directories_are_kept_apart():
    calls = []
    a = candidate_index_get(namespace="connection:1", version=1, load=loader(["Kauri Ltd"], calls))
    b = candidate_index_get(namespace="connection:2", version=1, load=loader(["Rimu Ltd"], calls))
    assert a.search("Kauri")[0].record.name == "Kauri Ltd"
    assert b.search("Kauri") == []


def test_phone_region_comes_from_settings(settings):
    settings.PHONE_DEFAULT_REGION = "AU"
    index = candidate_index_get(
        namespace="connection:3",
        version=1,
        load=lambda: [MatchRecord(key=1, name="Ann Lee", phones=("+61 412 345 678",))],
    )
    results = index.search(MatchRecord(key=None, name="Ann Lee", phones=("0412 345 678",)))
    assert results[0].reasons[0] == "same phone"
