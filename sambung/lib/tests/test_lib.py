import pytest

from sambung.lib.money import format_rupiah
from sambung.lib.regions import get_village, village_choices, villages_in


@pytest.mark.parametrize(
    ("amount", "written"),
    [(1_250_000, "Rp 1.250.000"), (0, "Rp 0"), (999, "Rp 999"), (-15_000, "-Rp 15.000"), (None, "")],
)
def test_rupiah_is_written_with_dots_between_thousands(amount, written):
    assert format_rupiah(amount) == written


def test_villages_come_from_the_kemendagri_data_with_postal_codes():
    sikka = get_village("53.07.03.2005")
    assert (sikka.name, sikka.district, sikka.regency, sikka.postal_code) == (
        "Sikka",
        "Lela",
        "Kabupaten Sikka",
        "86161",
    )
    assert get_village("53.07.03.9999") is None and get_village("Sikka") is None and get_village("") is None


def test_every_village_of_sikka_is_offered_grouped_by_district():
    villages = villages_in("53.07")
    assert len(villages) > 150 and all(v.code.startswith("53.07.") for v in villages)
    groups = dict(village_choices("53.07"))
    assert ("53.07.03.2005", "Sikka") in groups["Lela"]
    assert len(groups) == 21  # Sikka's 21 districts
