"""Tenant isolation of the background tasks, generated: every task the project defines is run
with firm A's objects (and, where it takes one, a person of firm B), and firm B's data, and
firm A's where B's person asked, stay as they were. A new task without a case here fails.
"""

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django_tasks.base import Task

from sync.models import SyncRunStatus
from sync.tests.factories import SyncRunFactory
from tests.isolation_objects import firm_objects_create, firm_snapshot

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def project_tasks() -> dict[str, Task]:
    """Every task of the project's apps (their `tasks` and `*_tasks` modules)."""
    found = {}
    for config in apps.get_app_configs():
        if not Path(config.path).is_relative_to(ROOT):
            continue
        for module in pkgutil.iter_modules([config.path]):
            if module.name == "tasks" or module.name.endswith("_tasks"):
                loaded = importlib.import_module(f"{config.name}.{module.name}")
                found |= {
                    value.module_path: value
                    for value in vars(loaded).values()
                    if isinstance(value, Task)
                }
    return found


# Each case makes what its task needs and returns the call to make.
def _invitation_email(task, a, b):
    return lambda: task.call(a["invitation"].pk)


def _sync_run(task, a, b):
    queued = SyncRunFactory(connection=a["connection"], status=SyncRunStatus.QUEUED)
    return lambda: task.call(queued.pk)


def _tick(task, a, b):
    return task.call


def _cms_refresh_after_import(task, a, b):
    imported = SyncRunFactory(connection=a["connection"], kind="import")
    return lambda: task.call(
        run_id=imported.pk,
        external_ids=[a["link"].external_id],
        overwrite=True,
        acting_user_id=b["membership"].user_id,
    )


# Each task, run with firm A's objects (`a`) and firm B's (`b`) as its arguments allow.
CASES: dict[str, Callable] = {
    "accounts.tasks.invitation_email_send": _invitation_email,
    "sync.tasks.sync_run_task": _sync_run,
    "sync.tasks.sync_tick": _tick,
    "sync.cms_tasks.cms_refresh_after_import_task": _cms_refresh_after_import,
}
# Tasks that act for a person: firm A's data must not change when firm B's person asks.
ACTING_FOR_A_PERSON = {"sync.cms_tasks.cms_refresh_after_import_task"}


def test_every_task_has_a_case():
    assert set(project_tasks()) == set(CASES), "map each new task in CASES"


@pytest.mark.parametrize("path", sorted(CASES))
def test_a_task_run_with_firm_a_s_objects_leaves_firm_b_alone(path, firm, other_firm):
    a = firm_objects_create(firm, label="Aotearoa")
    b = firm_objects_create(other_firm, label="Bluff")
    run_task = CASES[path](project_tasks()[path], a, b)
    b_before = firm_snapshot(other_firm)
    a_before = firm_snapshot(firm)

    run_task()

    assert firm_snapshot(other_firm) == b_before
    if path in ACTING_FOR_A_PERSON:
        assert firm_snapshot(firm) == a_before
