"""Rupiah amounts: whole rupiah as int, written as Indonesians write them (Rp 1.250.000)."""

MAX_PRICE = 1_000_000_000_000  # Rp 1 trillion: anything above is a typing mistake, not a price.


def format_rupiah(amount: int | None) -> str:
    """Format whole rupiah with dots between thousands: 1250000 -> 'Rp 1.250.000'."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(int(amount)):,}".replace(",", ".")
