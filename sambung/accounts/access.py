"""Authorization: what each role may do, scoped to one cooperative.

Every back-office view calls one `access_*` function. A cooperative the user does not belong to, a capability
the role lacks and a row of another cooperative all answer 404, exactly like a missing row (DESIGN.md §4.8).
"""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404

from sambung.accounts.models import Membership, Role
from sambung.catalog.models import Cooperative


class Can(StrEnum):
    VIEW_OFFICE = "view_office"
    VIEW_CATALOG = "view_catalog"
    VIEW_MAKERS = "view_makers"
    CHANGE_CATALOG = "change_catalog"
    CHANGE_MAKERS = "change_makers"
    CHANGE_PIECES = "change_pieces"
    VIEW_ORDERS = "view_orders"
    VIEW_BUYERS = "view_buyers"  # name, phone and street address: personal data (UU PDP)
    FULFIL_ORDERS = "fulfil_orders"  # packing slip, start packing, ship, record delivery
    MANAGE_ORDERS = "manage_orders"  # confirm payment, cancel, record a return, invoice
    MODERATE_REVIEWS = "moderate_reviews"  # publish buyers' reviews or keep them off, with a reason
    HANDLE_COMPLAINTS = "handle_complaints"  # answer buyers' complaints: refund, replacement or refusal
    CHANGE_SALES_SETTINGS = "change_sales_settings"  # QRIS, bank account, shipping rates
    VIEW_PRODUCTION = "view_production"  # work orders, capacities, makers' ledgers, the continuity dashboard
    RECORD_PRODUCTION = "record_production"  # pledges, stages, completed work, capacities and calendars
    PLAN_PRODUCTION = "plan_production"  # the weekly plan and accepting it, stages per product type
    PAY_MAKERS = "pay_makers"  # record payouts to makers
    INSPECT = "inspect"  # record quality inspections: a passed one puts the goods on sale
    CHANGE_STANDARDS = "change_standards"  # quality standards and their criteria


ROLE_CAPABILITIES: dict[str, frozenset[Can]] = {
    Role.MANAGER: frozenset(Can),
    # It is the hub that receives pieces, inspects them, packs parcels and hands them to the courier.
    Role.HUB_OPERATOR: frozenset(
        {
            Can.VIEW_OFFICE,
            Can.VIEW_CATALOG,
            Can.VIEW_MAKERS,
            Can.CHANGE_PIECES,
            Can.VIEW_ORDERS,
            Can.VIEW_BUYERS,
            Can.FULFIL_ORDERS,
            Can.VIEW_PRODUCTION,
            Can.RECORD_PRODUCTION,
            Can.INSPECT,
        }
    ),  # fmt: skip
    # A maker sees her own pieces only; the views narrow the rows to her.
    Role.MAKER: frozenset({Can.VIEW_OFFICE}),
    # A program sees producers and sales by village and district, not the buyers' contact details.
    Role.PROGRAM_VIEWER: frozenset(
        {Can.VIEW_OFFICE, Can.VIEW_CATALOG, Can.VIEW_MAKERS, Can.VIEW_ORDERS, Can.VIEW_PRODUCTION}
    ),
}


def memberships_of(user: AbstractBaseUser | AnonymousUser) -> list[Membership]:
    """Return the user's memberships; a superuser manages every cooperative."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return [Membership(user=user, cooperative=c, role=Role.MANAGER) for c in Cooperative.objects.all()]
    return list(Membership.objects.filter(user=user).select_related("cooperative", "maker"))


def access_cooperative(
    user: AbstractBaseUser | AnonymousUser, slug: str, can: Can = Can.VIEW_OFFICE
) -> Membership:
    """Return the user's membership in the cooperative if the role allows `can`, else raise Http404."""
    if not user.is_authenticated:
        raise Http404
    if user.is_superuser:
        cooperative = Cooperative.objects.filter(slug=slug).first()
        if cooperative is None:
            raise Http404
        return Membership(user=user, cooperative=cooperative, role=Role.MANAGER)
    membership = (
        Membership.objects.filter(user=user, cooperative__slug=slug)
        .select_related("cooperative", "maker")
        .first()
    )
    if membership is None or can not in ROLE_CAPABILITIES[membership.role]:
        raise Http404
    return membership


def has_capability(membership: Membership, can: Can) -> bool:
    return can in ROLE_CAPABILITIES[membership.role]
