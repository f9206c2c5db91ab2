import pytest


@pytest.fixture(autouse=True)
def _node_key_in_tmp(settings, tmp_path):
    """Each test's node gets its own key file, as each installation has its own data directory."""
    settings.DATA_DIR = tmp_path / "data"
