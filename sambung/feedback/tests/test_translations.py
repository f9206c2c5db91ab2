"""The feedback app keeps its Indonesian in its own catalogue, which Django merges with locale/id."""

import gettext
from pathlib import Path

from django.utils import translation

from sambung.tests.test_translations import po_msgids

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "id" / "LC_MESSAGES"


def test_every_feedback_message_has_an_indonesian_translation_in_the_compiled_catalogue():
    with open(LOCALE / "django.mo", "rb") as f:
        catalogue = gettext.GNUTranslations(f)
    msgids = po_msgids(LOCALE / "django.po")
    assert len(msgids) > 100
    untranslated = [m for m in msgids if not catalogue._catalog.get(m) and not catalogue._catalog.get((m, 0))]
    assert untranslated == []


def test_the_site_speaks_indonesian_on_the_new_pages():
    with translation.override("id"):
        assert translation.gettext("Write a review") == "Tulis ulasan"
        assert translation.gettext("Listing quality") == "Mutu listing"
        # The root catalogue still wins where both have a message.
        assert translation.gettext("History") == "Riwayat"
