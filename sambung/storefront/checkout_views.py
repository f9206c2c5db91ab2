"""The buyer's cart, checkout and order pages.

The cart lives in a signed cookie, so browsing and filling it never writes to the database. Stock is held
when checkout starts and committed when the order is placed; prices and totals come from the server only.
"""

import json
import urllib.parse

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from sambung.feedback import queries as feedback_queries
from sambung.lib import qris
from sambung.lib.phones import wa_me_digits
from sambung.lib.regions import get_village
from sambung.orders import cart as carts
from sambung.orders.checkout import CheckoutError, SoldOut, place_order, quote_shipping, start_checkout
from sambung.orders.made_to_order import lines_with_work
from sambung.orders.models import Checkout, Order, PaymentMethod
from sambung.production.promises import preorder_max_days
from sambung.quality.queries import is_cleared_for_sale
from sambung.storefront.forms import AddToCartForm, CheckoutForm, OrderLookupForm

CART_COOKIE, ORDERS_COOKIE = "cart", "orders"
COOKIE_AGE = 60 * 60 * 24 * 30


def read_cart(request: HttpRequest) -> list[carts.CartLine]:
    try:
        raw = request.get_signed_cookie(CART_COOKIE, salt="sambung.cart", max_age=COOKIE_AGE)
        return carts.parse_cart(json.loads(raw))
    except (KeyError, signing.BadSignature, ValueError):
        return []


def write_cart(response: HttpResponse, lines: list[carts.CartLine]) -> HttpResponse:
    if not lines:
        response.delete_cookie(CART_COOKIE)
        return response
    response.set_signed_cookie(
        CART_COOKIE,
        json.dumps([line.as_json() for line in lines]),
        salt="sambung.cart",
        max_age=COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def orders_allowed(request: HttpRequest) -> list[str]:
    try:
        return json.loads(
            request.get_signed_cookie(ORDERS_COOKIE, salt="sambung.orders", max_age=COOKIE_AGE)
        )[:20]
    except (KeyError, signing.BadSignature, ValueError):
        return []


def allow_order(request: HttpRequest, response: HttpResponse, code: str) -> HttpResponse:
    codes = [code, *[c for c in orders_allowed(request) if c != code]][:20]
    response.set_signed_cookie(
        ORDERS_COOKIE,
        json.dumps(codes),
        salt="sambung.orders",
        max_age=COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@require_POST
def add_to_cart(request: HttpRequest) -> HttpResponse:
    form = AddToCartForm(request.POST)
    back = request.POST.get("next") or reverse("storefront:cart")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("storefront:cart")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(back)
    piece = form.cleaned_data["piece"]
    line = carts.CartLine(
        form.cleaned_data["sku"],
        piece,
        form.cleaned_data["quantity"],
        made_to_order=form.cleaned_data["made_to_order"] and piece is None,
    )
    priced = carts.price_lines([line])
    # A piece never inspected, or rejected, is never for sale (DESIGN.md §4.6); checkout re-checks the stock.
    if not priced or (priced[0].piece is not None and not is_cleared_for_sale(priced[0].piece)):
        messages.error(request, _("This item is no longer for sale."))
        return redirect(back)
    if line.made_to_order and carts.with_expected_dates(priced)[0].ship_by is None:
        messages.error(
            request,
            _(
                "The makers cannot finish %(quantity)s × %(title)s within %(days)s days right now. Order fewer, "
                "or ask to be told when it can be ordered."
            )
            % {"quantity": line.quantity, "title": priced[0].title, "days": preorder_max_days()},
        )
        return redirect(back)
    lines = read_cart(request)
    existing = carts.price_lines(lines)
    if existing and existing[0].sku.product.cooperative_id != priced[0].sku.product.cooperative_id:
        messages.error(
            request,
            _(
                "Your cart holds goods of %(cooperative)s. Finish or empty that order first: each cooperative ships its own."
            )
            % {"cooperative": existing[0].sku.product.cooperative.name},
        )
        return redirect("storefront:cart")
    try:
        lines = carts.add_line(lines, line)
    except carts.BadCart as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, _("Added to your cart: %(title)s") % {"title": priced[0].title})
    return write_cart(redirect("storefront:cart"), lines)


@require_POST
def remove_from_cart(request: HttpRequest) -> HttpResponse:
    sku, piece = request.POST.get("sku", ""), request.POST.get("piece", "")
    made_to_order = request.POST.get("made_to_order") == "1"
    lines = [
        line
        for line in read_cart(request)
        if (str(line.sku_id), str(line.piece_id or ""), line.made_to_order) != (sku, piece, made_to_order)
    ]
    return write_cart(redirect("storefront:cart"), lines)


@require_safe
def cart(request: HttpRequest) -> HttpResponse:
    lines = carts.with_expected_dates(carts.price_lines(read_cart(request)))
    return render(
        request,
        "storefront/cart.html",
        {
            "lines": lines,
            "subtotal": sum(line.total for line in lines),
            "limit_days": preorder_max_days(),
            "hold_minutes": settings.CHECKOUT_HOLD_MINUTES,
        },
    )


@require_POST
def begin_checkout(request: HttpRequest) -> HttpResponse:
    lines = carts.price_lines(read_cart(request))
    if not lines:
        messages.error(request, _("Your cart is empty."))
        return redirect("storefront:cart")
    try:
        checkout = start_checkout(cooperative=lines[0].sku.product.cooperative, lines=lines)
    except CheckoutError as error:
        messages.error(request, str(error))
        return redirect("storefront:cart")
    return redirect("storefront:checkout", checkout.pk)


def checkout(request: HttpRequest, checkout_id) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    checkout = get_object_or_404(Checkout.objects.select_related("cooperative"), pk=checkout_id)
    placed = Order.objects.filter(checkout=checkout).first()
    if placed is not None:
        return redirect("storefront:order", placed.code)  # a back-button visit or a resubmit: same order
    if checkout.status != Checkout.Status.OPEN or checkout.expires_at < timezone.now():
        messages.error(
            request, _("Your reservation ran out. Check out again to see what is still available.")
        )
        return redirect("storefront:cart")
    holds = list(checkout.holds.select_related("sku__product", "piece"))
    lines = [
        carts.PricedLine(hold.sku, hold.piece, hold.quantity, hold.made_to_order, hold.promised_ship_by)
        for hold in holds
    ]
    subtotal = sum(line.total for line in lines)
    data = request.POST if request.method == "POST" else None
    village = get_village(data.get("village", "")) if data else None
    quotes = quote_shipping(checkout=checkout, village_code=village.code) if village else []
    form = CheckoutForm(data, quotes=quotes, qris_allowed=bool(checkout.cooperative.qris_static))
    if data and data.get("action") == "place" and form.is_valid():
        rate = form.chosen_rate()
        if not form.village_ready:
            form.add_error("village", _("Choose the village of the delivery address."))
        elif rate is None:
            form.add_error("shipping_rate", _("Choose a courier."))
        elif not form.cleaned_data.get("payment_method"):
            form.add_error("payment_method", _("Choose how you will pay."))
        else:
            try:
                order = place_order(
                    checkout=checkout,
                    buyer=form.buyer(),
                    shipping_rate=rate,
                    payment_method=form.cleaned_data["payment_method"],
                )
            except SoldOut as error:  # the makers' capacity went meanwhile: the cart shows what holds now
                messages.error(request, str(error))
                return redirect("storefront:cart")
            except CheckoutError as error:
                form.add_error(None, str(error))
            else:
                response = write_cart(redirect("storefront:order", order.code), [])
                return allow_order(request, response, order.code)
    chosen = form.chosen_rate() if form.is_bound and form.is_valid() else None
    shipping = next((price for rate, _kg, price in quotes if rate == chosen), None)
    total = subtotal + (shipping or 0)
    return render(
        request,
        "storefront/checkout.html",
        {
            "checkout": checkout,
            "lines": lines,
            "subtotal": subtotal,
            "form": form,
            "quotes": quotes,
            "shipping": shipping,
            "total": total,
            "qris_over_cap": total > qris.QRIS_MAX_AMOUNT,
            "minutes_left": max(0, int((checkout.expires_at - timezone.now()).total_seconds() // 60)),
        },
    )


@require_safe
def order(request: HttpRequest, code: str) -> HttpResponse:
    if code not in orders_allowed(request):
        return redirect(f"{reverse('storefront:order_lookup')}?code={urllib.parse.quote(code)}")
    order = get_object_or_404(Order.objects.select_related("cooperative", "shipping_rate"), code=code)
    cooperative = order.cooperative
    text = _("Hello %(cooperative)s, I am asking about my order %(code)s.") % {
        "cooperative": cooperative.name,
        "code": order.code,
    }
    whatsapp = ""
    if cooperative.whatsapp:
        whatsapp = f"https://wa.me/{wa_me_digits(cooperative.whatsapp)}?text={urllib.parse.quote(text)}"
    return render(
        request,
        "storefront/order.html",
        {
            "order": order,
            "lines": lines_with_work(order),
            "events": order.events.all(),
            "village": get_village(order.village_code),
            "qris_svg": qris.qris_svg(order.qris_payload) if order.qris_payload else "",
            "is_qris": order.payment_method == PaymentMethod.QRIS,
            "whatsapp": whatsapp,
            "feedback": feedback_queries.order_feedback(order),
        },
    )


def order_lookup(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    form = OrderLookupForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        found = Order.objects.filter(
            code=form.cleaned_data["code"], buyer_phone=form.cleaned_data["phone"]
        ).first()
        if found is not None:
            return allow_order(request, redirect("storefront:order", found.code), found.code)
        form.add_error(None, _("No order has this code and WhatsApp number. Check both and try again."))
    return render(request, "storefront/order_lookup.html", {"form": form})
