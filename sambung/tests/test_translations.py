import gettext
import re
from pathlib import Path

from django.conf import settings

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


def test_every_message_has_an_indonesian_translation_in_the_compiled_catalogue():
    with open(LOCALE / "django.mo", "rb") as f:
        catalogue = gettext.GNUTranslations(f)
    msgids = po_msgids(LOCALE / "django.po")
    assert len(msgids) > 100
    untranslated = [m for m in msgids if not catalogue._catalog.get(m) and not catalogue._catalog.get((m, 0))]
    assert untranslated == []
