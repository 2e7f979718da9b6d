"""Field values as a link's base snapshot stores them (JSON), and how values are compared.

Canonical values are Python values (text, and `date` for a date of birth); the base is JSON, so
dates are stored as ISO text. The planner compares through `COMPARE`, so a stored "1980-02-01"
and a `date(1980, 2, 1)` are the same value.
"""

import datetime
from collections.abc import Mapping
from typing import Any


def _comparable_date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


COMPARE = {"date_of_birth": _comparable_date}


def snapshot_dump(values: Mapping[str, Any]) -> dict[str, Any]:
    date = datetime.date
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in values.items()
    }
