from sambung.catalog.photos import add_photo
from sambung.tests import helpers


def test_renditions_are_served_with_far_future_caching_but_originals_are_not(buyer, cooperative):
    photo = add_photo(upload=helpers.image_bytes(), product=helpers.make_product(cooperative))
    response = buyer.get(photo.thumb.url)
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert buyer.get(photo.original.url).status_code == 404
