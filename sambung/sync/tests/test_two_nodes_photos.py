"""Photos between two real Sambung processes on 127.0.0.1: over HTTP, and by bundle files (one tampered)."""

import hashlib
import json
import urllib.request

from sambung.sync.tests import test_two_nodes
from sambung.sync.tests.test_two_nodes import CENTRE_SETUP, HUB_SALE

centre_and_hub = test_two_nodes.centre_and_hub  # the same two processes: a centre served over HTTP, a hub

# A photo with detail (noise), so its original spans several 256 KB chunks.
PHOTO = """
import io, os, random
from PIL import Image
random.seed({seed})
image = Image.frombytes("RGB", (1400, 1000), random.randbytes(1400 * 1000 * 3))
buffer = io.BytesIO()
image.save(buffer, "JPEG", quality=92)
data = buffer.getvalue()
"""

HUB_PHOTO = (
    PHOTO
    + """
from sambung.catalog.models import Piece
from sambung.catalog.photos import add_photo
from sambung.inventory.models import StockLevel
piece = {piece}
photo = add_photo(upload=data, piece=piece, alt_id="Kain difoto di hub")
print(json.dumps({{"id": str(photo.pk), "sha256": photo.sha256, "size": len(data), "piece": piece.code}}))
"""
)
AT_THE_HUB = (
    'StockLevel.objects.filter(position="available", channel__kind="web", quantity__gt=0, '
    'location__node__kind="hub").order_by("piece__code").first().piece'
)

CENTRE_PHOTO = (
    PHOTO
    + """
from sambung.catalog.models import Product
from sambung.catalog.photos import add_photo
photo = add_photo(upload=data, product=Product.objects.get(), alt_id="Foto produk")
print(json.dumps({{"id": str(photo.pk)}}))
"""
)

PHOTO_STATE = """
import hashlib
from sambung.catalog.models import Photo
photo = Photo.objects.filter(pk="{id}").first()
def sha(field):
    return hashlib.sha256(field.read()).hexdigest() if field.name else None
print(json.dumps(None if photo is None else {{
    "has_files": photo.has_files, "original": sha(photo.original), "thumb": sha(photo.thumb),
    "detail": sha(photo.detail), "thumb_url": photo.thumb.url if photo.thumb.name else None,
}}))
"""

PRODUCT_URL = """
from django.urls import reverse
from sambung.catalog.models import Product
print(reverse("storefront:product_detail", kwargs={"slug": Product.objects.get().slug}))
"""

COUNTS = """
from sambung.catalog.models import Photo
from sambung.sync.models import Event
print(json.dumps([Event.objects.count(), Photo.objects.count(), Photo.objects.filter(has_files=True).count()]))
"""


def _json(node, code: str):
    return json.loads(node.shell("import json\n" + code).strip().splitlines()[-1])


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (our own test server)
        return response.read()


def test_a_photo_taken_at_the_hub_reaches_the_centres_piece_page_with_its_file(centre_and_hub):
    centre, hub, url = centre_and_hub
    code = centre.shell(CENTRE_SETUP).strip().splitlines()[-1]
    hub.run("enrol_hub", "--centre", url, "--code", code)
    hub.run("sync")

    taken = _json(hub, HUB_PHOTO.format(seed=1, piece=AT_THE_HUB))
    assert taken["size"] > 2 * 256 * 1024  # several chunks
    out = hub.run("sync").stdout
    assert "push frame 1: 1 events" in out and "upload file 1:" in out
    assert "(1 photo files" in out

    at_centre = _json(centre, PHOTO_STATE.format(id=taken["id"]))
    assert at_centre["has_files"] and at_centre["original"] == taken["sha256"]
    page = _get(url + centre.shell(PRODUCT_URL).strip().splitlines()[-1]).decode()
    assert taken["piece"] in page and at_centre["thumb_url"] in page
    assert hashlib.sha256(_get(url + at_centre["thumb_url"])).hexdigest() == at_centre["thumb"]

    again = hub.run("sync").stdout
    assert "upload file" not in again and "download file" not in again  # nothing to resend

    # The centre's product photo reaches the hub as its two renditions only (never the 1 MB original).
    made = _json(centre, CENTRE_PHOTO.format(seed=2))
    pulled = hub.run("sync").stdout
    assert "download file 1:" in pulled and "download file 2:" in pulled and "upload file" not in pulled
    at_hub, source = (
        _json(hub, PHOTO_STATE.format(id=made["id"])),
        _json(centre, PHOTO_STATE.format(id=made["id"])),
    )
    assert at_hub["has_files"] and at_hub["original"] is None
    assert (at_hub["thumb"], at_hub["detail"]) == (source["thumb"], source["detail"])


def test_a_bundle_carries_a_hub_photo_and_a_tampered_or_cut_file_part_applies_nothing(
    centre_and_hub, tmp_path
):
    centre, hub, url = centre_and_hub
    code = centre.shell(CENTRE_SETUP).strip().splitlines()[-1]
    hub.run("enrol_hub", "--centre", url, "--code", code)
    hub.run("sync")

    hub.shell(HUB_SALE)  # a piece the hub creates (HUB-BARU-1): in its scope
    taken = _json(hub, HUB_PHOTO.format(seed=3, piece='Piece.objects.get(code="HUB-BARU-1")'))
    bundle = tmp_path / "hub.sambung"
    exported = hub.run("export_bundle", str(bundle)).stdout
    assert "export files: 1 files" in exported
    data = bundle.read_bytes()
    before = _json(centre, COUNTS)

    tampered = bytearray(data)
    tampered[-500] ^= 1  # inside the photo's bytes, in the file part after the frames
    (tmp_path / "tampered.sambung").write_bytes(bytes(tampered))
    (tmp_path / "cut.sambung").write_bytes(data[:-100])
    for name in ("tampered.sambung", "cut.sambung"):
        refused = centre.run("import_bundle", str(tmp_path / name), check=False)
        assert refused.returncode == 1 and "nothing applied" in refused.stderr, refused.stderr
        assert _json(centre, COUNTS) == before

    imported = centre.run("import_bundle", str(bundle)).stdout
    assert "1 photo files" in imported
    at_centre = _json(centre, PHOTO_STATE.format(id=taken["id"]))
    assert at_centre["has_files"] and at_centre["original"] == taken["sha256"]

    # The reply carries no file back: the hub has its own photo, and waits for none.
    reply = tmp_path / "reply.sambung"
    assert (
        "export files: 0 files" in centre.run("export_bundle", str(reply), "--for", "Hub Desa Sikka").stdout
    )
    hub.run("import_bundle", str(reply))
    assert hub.state() == centre.state()
