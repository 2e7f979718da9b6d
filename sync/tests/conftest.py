import pytest
from django.core.cache import cache

from integrations.tests.conftest import (  # noqa: F401 - fixtures used by this package's tests
    xpm_connection,
    xpm_sandbox,
    xpm_sandbox_server,
)
from matching.cache import candidate_index_clear


@pytest.fixture(autouse=True)
def fresh_candidate_indexes():
    """Test databases reuse primary keys after a rollback, so an index cached under
    (connection id, directory version) by one test could answer another's search, and
    rankings cached by id (suggested links) could answer another's suggestions."""
    candidate_index_clear()
    cache.clear()
    yield
    candidate_index_clear()
