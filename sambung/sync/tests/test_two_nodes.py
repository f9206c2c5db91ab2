"""Two real Sambung processes on 127.0.0.1: a centre served over HTTP and a hub driven by its commands.

Each node is the same code with its own SAMBUNG_DATA_DIR (its own SQLite file and key file), exactly as the
README's "Run a village hub" steps.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

CENTRE_SETUP = """
from sambung.catalog.models import Location
from sambung.inventory.stock import move_rights, web_store
from sambung.sync.enrolment import create_hub, issue_code, stall_of
from sambung.tests.helpers import (
    SIKKA_VILLAGE, make_cooperative, make_maker, make_piece, make_product, make_shipping_rate,
)
coop = make_cooperative(slug="nian-tana", name="Koperasi Tenun Nian Tana")
make_shipping_rate(coop)
hub = create_hub(cooperative=coop, name="Hub Desa Sikka", village_code=SIKKA_VILLAGE)
location = Location.objects.get(node=hub)
product, maker = make_product(coop), make_maker(coop)
pieces = [make_piece(product, maker, location=location) for _ in range(5)]
for piece in pieces[:3]:
    move_rights(sku=piece.sku, location=location, quantity=1, piece=piece, source=web_store(coop), target=stall_of(hub))
print(issue_code(node=hub))
"""

ONLINE_ORDER = """
from sambung.catalog.models import Piece
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import Buyer, place_order, start_checkout
from sambung.orders.fulfilment import confirm_payment
from sambung.orders.models import ShippingRate
from sambung.inventory.models import StockLevel
from sambung.tests.helpers import SIKKA_VILLAGE
level = StockLevel.objects.filter(position="available", channel__kind="web", quantity__gt=0, location__node__kind="hub").first()
checkout = start_checkout(cooperative=level.location.cooperative, lines=[PricedLine(level.sku, level.piece, 1)])
buyer = Buyer("Ani", "+6281234567890", "ani@example.com", "Jl. Mawar 1", SIKKA_VILLAGE)
order = place_order(checkout=checkout, buyer=buyer, shipping_rate=ShippingRate.objects.get(), payment_method="bank_transfer")
confirm_payment(order=order)
print(order.code)
"""

HUB_SHIPS = """
from sambung.orders.fulfilment import ship_order, start_packing
from sambung.orders.models import Order
order = Order.objects.get(code="{code}")
start_packing(order=order)
ship_order(order=order, courier="JNE REG", tracking_number="JN123")
"""

HUB_SALE = """
from sambung.catalog.models import Location, Maker, Piece, SKU
from sambung.catalog.pieces import save_piece
from sambung.inventory.ledger import Slot, move_stock
from sambung.inventory.models import Channel, StockLevel, StockMove
from sambung.sync.node import this_node
me = this_node()
stall = Channel.objects.get(node=me, kind="stall")
level = StockLevel.objects.filter(channel=stall, position="available", quantity__gt=0).first()
level and move_stock(sku=level.sku, location=level.location, quantity=1, piece=level.piece, source=Slot("available", stall), target=None, reason=StockMove.Reason.SALE, reference="pasar", node=me)
sku = SKU.objects.filter(is_unique=True, product__cooperative=me.cooperative).first()
save_piece(piece=Piece(sku=sku, maker=Maker.objects.filter(cooperative=me.cooperative).first(), code="HUB-BARU-1"), received_at=Location.objects.get(node=me))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, directory: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env.update(
            SAMBUNG_DATA_DIR=str(directory), DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings"
        )

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(  # noqa: S603 (our own manage.py)
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def shell(self, code: str) -> str:
        return self.run("shell", "-c", code).stdout

    def state(self) -> dict:
        return json.loads(self.run("sync_state", "--cooperative", "nian-tana").stdout)


@pytest.fixture
def centre_and_hub(tmp_path):
    centre, hub = Node(tmp_path / "centre"), Node(tmp_path / "hub")
    centre.run("migrate", "-v0")
    # A fresh hub is an empty, migrated database: a copy of the centre's before it holds anything.
    (tmp_path / "hub").mkdir()
    shutil.copy(tmp_path / "centre" / "sambung.sqlite3", tmp_path / "hub" / "sambung.sqlite3")
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=centre.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield centre, hub, f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_hub_enrols_syncs_sells_offline_and_both_nodes_converge(centre_and_hub, tmp_path):
    centre, hub, url = centre_and_hub
    code = centre.shell(CENTRE_SETUP).strip().splitlines()[-1]

    # The link drops after the centre accepted the code: the centre answered, the hub never got the reply.
    key = hub.shell("from sambung.sync.enrolment import public_key_b64; print(public_key_b64())").split()[-1]
    body = json.dumps({"code": code, "public_key": key}).encode()
    request = urllib.request.Request(url + "/sync/v1/enrol", body, {"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as lost:  # noqa: S310 (our own test server)
        assert lost.status == 200
    # The operator runs the same command again with the same code (and the same key, kept in the data dir).
    assert "enrolled as hub Hub Desa Sikka" in hub.run("enrol_hub", "--centre", url, "--code", code).stdout
    reused = hub.run("enrol_hub", "--centre", url, "--code", code, check=False)
    assert (
        reused.returncode == 1 and "sudah terdaftar" in reused.stderr
    )  # already enrolled (the CLI speaks Indonesian)

    first = hub.run("sync").stdout
    assert "pull frame 1:" in first and "done:" in first
    assert hub.state()["digest"] == centre.state()["digest"]

    hub.shell(HUB_SALE)  # offline: a market sale from the stall, and a new piece received
    pushed = hub.run("sync").stdout
    assert "push frame 1: 3 events" in pushed  # the sale, the new piece and its receipt: nothing else
    assert hub.state() == centre.state()

    again = hub.run("sync").stdout
    assert "push frame" not in again and "pull frame" not in again

    # An online order for a piece held at the hub reaches it; the hub packs and ships it.
    code = centre.shell(ONLINE_ORDER).strip().splitlines()[-1]
    assert "pull frame 1:" in hub.run("sync").stdout
    hub.shell(HUB_SHIPS.format(code=code))
    hub.run("sync")
    assert hub.state() == centre.state()
    status = f"from sambung.orders.models import Order; print(Order.objects.get(code='{code}').status)"
    assert centre.shell(status).strip().splitlines()[-1] == "shipped"

    # No link: the same exchange by bundle files, and a replayed bundle applies nothing.
    hub.shell(HUB_SALE.replace("HUB-BARU-1", "HUB-BARU-2"))
    out, reply = tmp_path / "hub.sambung", tmp_path / "reply.sambung"
    hub.run("export_bundle", str(out))
    assert "imported 1 frames" in centre.run("import_bundle", str(out)).stdout
    assert "already imported" in centre.run("import_bundle", str(out)).stdout
    centre.run("export_bundle", str(reply), "--for", "Hub Desa Sikka")
    assert hub.run("import_bundle", str(reply)).returncode == 0
    assert hub.state() == centre.state()

    tampered = bytearray(out.read_bytes())
    tampered[-30] ^= 1
    out.write_bytes(bytes(tampered))
    refused = centre.run("import_bundle", str(out), check=False)
    # The last bytes are the photo files' part now (bundle format 2): its signature refuses the bundle.
    assert refused.returncode == 1 and "tanda tangan" in refused.stderr.lower()  # signature

    centre.shell(
        "from sambung.catalog.models import Node\nfrom sambung.sync.enrolment import revoke_hub\n"
        "revoke_hub(node=Node.objects.get(name='Hub Desa Sikka'))"
    )
    hub.shell(HUB_SALE.replace("HUB-BARU-1", "HUB-BARU-3"))
    revoked = hub.run("sync", check=False)
    assert revoked.returncode == 1 and "dicabut" in revoked.stderr  # revoked


CENTRE_CANCELS = """
from sambung.orders.fulfilment import cancel_order
from sambung.orders.models import Order
order = cancel_order(order=Order.objects.get(code="{code}"), reason="buyer", note="berubah pikiran")
print(order.status, order.cancel_requests.get().state)
"""

REQUESTS = """
from sambung.sync.models import CancelRequest
from sambung.orders.models import Order
for code in {codes!r}:
    order = Order.objects.get(code=code)
    print(code, order.status, ",".join(r.state for r in order.cancel_requests.all()))
"""

ONE_MORE_PIECE = """
from sambung.catalog.models import Location, Maker, Product
from sambung.tests.helpers import make_piece
make_piece(Product.objects.get(), Maker.objects.get(), location=Location.objects.get(node__kind="hub"))
"""

UNPAID_ORDER = ONLINE_ORDER.replace("confirm_payment(order=order)\n", "")

EXPIRE = """
import datetime
from django.utils import timezone
from sambung.orders.fulfilment import expire_unpaid_orders
print(expire_unpaid_orders(now=timezone.now() + datetime.timedelta(days=30)))
"""


def test_a_centre_cancel_and_a_hub_shipment_made_offline_converge(centre_and_hub):
    """Units of an order at a hub are moved only by that hub: a centre cancel is a request the hub answers."""
    centre, hub, url = centre_and_hub
    hub.run("enrol_hub", "--centre", url, "--code", centre.shell(CENTRE_SETUP).strip().splitlines()[-1])
    centre.shell(ONE_MORE_PIECE)  # three pieces at the hub on sale online
    hub.run("sync")
    shipped = centre.shell(ONLINE_ORDER).strip().splitlines()[-1]
    kept = centre.shell(ONLINE_ORDER).strip().splitlines()[-1]
    unpaid = centre.shell(UNPAID_ORDER).strip().splitlines()[-1]
    hub.run("sync")

    # Offline on both sides: the hub ships one order while the centre's manager cancels it and another.
    hub.shell(HUB_SHIPS.format(code=shipped))
    assert (
        hub.shell(EXPIRE).strip().splitlines()[-1] == "0"
    )  # the unpaid order is the centre's, not the hub's
    assert centre.shell(CENTRE_CANCELS.format(code=shipped)).strip().splitlines()[-1] == "paid pending"
    assert centre.shell(CENTRE_CANCELS.format(code=kept)).strip().splitlines()[-1] == "paid pending"
    assert centre.shell(EXPIRE).strip().splitlines()[-1] == "1"  # asked of the hub, not done at the centre
    assert centre.shell(EXPIRE).strip().splitlines()[-1] == "0"  # asked once

    # One sync: pushes the shipment, pulls the requests (the hub cancels what has not shipped), pushes the answers.
    hub.run("sync")
    expected = [
        f"{shipped} shipped refused",
        f"{kept} cancelled done",
        f"{unpaid} cancelled done",
    ]
    codes = [shipped, kept, unpaid]
    assert centre.shell(REQUESTS.format(codes=codes)).strip().splitlines()[-3:] == expected
    assert hub.shell(REQUESTS.format(codes=codes)).strip().splitlines()[-3:] == expected
    assert hub.state() == centre.state()
    stuck = "from sambung.sync.models import Event; print(Event.objects.exclude(state='applied').count())"
    assert centre.shell(stuck).strip().splitlines()[-1] == hub.shell(stuck).strip().splitlines()[-1] == "0"
