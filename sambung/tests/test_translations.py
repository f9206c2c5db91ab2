import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES"


def po_msgids(path: Path) -> list[str]:
    """Return the msgids of a .po file (a small reader: enough for files written by makemessages)."""
    ids, current, in_id = [], None, False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current, in_id = [line[6:]], True
        elif line.startswith('"') and in_id:
            current.append(line)
        else:
            if in_id and current is not None:
                ids.append("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', "\n".join(current))))
            in_id = False
    return [i.encode().decode("unicode_escape").encode("latin-1").decode("utf-8") for i in ids if i]


# The project's catalogue, then each app's own (Django merges them; the project's wins where both have a message).
CATALOGUES = [LOCALE, *sorted(Path(settings.BASE_DIR).glob("sambung/*/locale/id/LC_MESSAGES"))]


@pytest.mark.parametrize(
    "locale", CATALOGUES, ids=lambda path: str(path.parents[2].relative_to(settings.BASE_DIR))
)
def test_every_message_has_an_indonesian_translation_in_the_compiled_catalogue(locale):
    with open(locale / "django.mo", "rb") as f:
        catalogue = gettext.GNUTranslations(f)
    msgids = po_msgids(locale / "django.po")
    assert len(msgids) > 20
    untranslated = [m for m in msgids if not catalogue._catalog.get(m) and not catalogue._catalog.get((m, 0))]
    assert untranslated == []


def test_every_app_catalogue_is_checked():
    apps_with_catalogues = {path.parents[2].name for path in CATALOGUES[1:]}
    assert {"feedback", "pos", "production", "quality", "sync"} <= apps_with_catalogues


def test_the_site_speaks_indonesian_on_pages_whose_messages_live_in_app_catalogues():
    with translation.override("id"):
        assert translation.gettext("Write a review") == "Tulis ulasan"
        assert translation.gettext("Listing quality") == "Mutu listing"
        assert translation.gettext("Village hubs") == "Hub desa"
        # The root catalogue still wins where both have a message.
        assert translation.gettext("History") == "Riwayat"
