import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _node_key_in_tmp(settings, tmp_path):
    """Each test's node gets its own key file, as each installation has its own data directory."""
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture(autouse=True)
def _english_messages():
    """Tests read the English msgids; the Indonesian catalogue is checked by test_translations."""
    with translation.override("en"):
        yield
