"""Parcel weight as couriers charge it: the larger of actual and volumetric weight, rounded up to whole kg."""

import math
from dataclasses import dataclass

VOLUMETRIC_DIVISOR_CM3_PER_KG = 6000  # L × W × H (cm) / 6000, as JNE, J&T, SiCepat and POS use


@dataclass(frozen=True)
class Parcel:
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int
    quantity: int = 1


def chargeable_kg(parcels: list[Parcel]) -> int:
    """Return the whole kilograms a courier charges for these items packed together (at least 1)."""
    actual_kg = sum(p.weight_g * p.quantity for p in parcels) / 1000
    volume_kg = (
        sum(p.length_cm * p.width_cm * p.height_cm * p.quantity for p in parcels)
        / VOLUMETRIC_DIVISOR_CM3_PER_KG
    )
    return max(1, math.ceil(max(actual_kg, volume_kg) - 1e-9))


def shipping_price(*, kg: int, first_kg: int, next_kg: int) -> int:
    """Return the price in rupiah for a parcel of `kg` whole kilograms."""
    return first_kg + max(0, kg - 1) * next_kg
