"""`tandem.collector`: bulk work collects young objects less often, and only while it runs."""

import gc
import threading

import pytest

from tandem.collector import BULK_WORK_THRESHOLD, collector_for_bulk_work


@pytest.fixture(autouse=True)
def default_thresholds():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_young_objects_are_collected_less_often_only_inside_the_block():
    with collector_for_bulk_work():
        assert gc.get_threshold() == (BULK_WORK_THRESHOLD, 10, 10)

    assert gc.get_threshold() == (700, 10, 10)


def test_the_thresholds_come_back_when_the_block_raises():
    with pytest.raises(RuntimeError), collector_for_bulk_work():
        raise RuntimeError

    assert gc.get_threshold() == (700, 10, 10)


def test_a_nested_block_leaves_the_outer_one_relaxed():
    with collector_for_bulk_work():
        with collector_for_bulk_work():
            pass
        assert gc.get_threshold()[0] == BULK_WORK_THRESHOLD

    assert gc.get_threshold()[0] == 700


def test_the_thresholds_come_back_only_when_the_last_thread_leaves():
    entered, leave = threading.Event(), threading.Event()

    def other_run():
        with collector_for_bulk_work():
            entered.set()
            leave.wait(5)

    other = threading.Thread(target=other_run)
    other.start()
    entered.wait(5)
    with collector_for_bulk_work():
        pass
    relaxed_while_other_runs = gc.get_threshold()[0]
    leave.set()
    other.join(5)

    assert relaxed_while_other_runs == BULK_WORK_THRESHOLD
    assert gc.get_threshold()[0] == 700


def test_a_process_already_collecting_less_often_keeps_its_own_threshold():
    gc.set_threshold(50_000, 10, 10)

    with collector_for_bulk_work():
        assert gc.get_threshold()[0] == 50_000

    assert gc.get_threshold()[0] == 50_000
