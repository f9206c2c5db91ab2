import gettext
from pathlib import Path

from sambung.tests.test_translations import po_msgids

LOCALE = Path(__file__).resolve().parents[1] / "locale" / "id" / "LC_MESSAGES"


def test_every_sync_message_has_an_indonesian_translation_in_the_compiled_catalogue():
    with open(LOCALE / "django.mo", "rb") as f:
        catalogue = gettext.GNUTranslations(f)
    msgids = po_msgids(LOCALE / "django.po")
    assert len(msgids) > 90
    untranslated = [m for m in msgids if not catalogue._catalog.get(m) and not catalogue._catalog.get((m, 0))]
    assert untranslated == []
