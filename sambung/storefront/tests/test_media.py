from sambung.catalog.photos import add_photo
from sambung.tests import helpers


def test_renditions_are_served_with_far_future_caching_but_originals_are_not(buyer, cooperative):
    photo = add_photo(upload=helpers.image_bytes(), product=helpers.make_product(cooperative))
    response = buyer.get(photo.thumb.url)
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert buyer.get(photo.original.url).status_code == 404


def test_renditions_are_not_gzipped_nor_split_by_language(buyer, cooperative):
    photo = add_photo(upload=helpers.image_bytes(), product=helpers.make_product(cooperative))
    response = buyer.get(photo.thumb.url, HTTP_ACCEPT_ENCODING="gzip", HTTP_ACCEPT_LANGUAGE="en")
    assert "Content-Encoding" not in response and "Vary" not in response
    assert b"".join(response.streaming_content)[8:12] == b"WEBP"


def test_a_page_seen_before_answers_304(buyer, cooperative):
    helpers.make_product(cooperative)
    first = buyer.get("/produk/")
    assert buyer.get("/produk/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
