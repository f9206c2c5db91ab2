"""The OpenAPI schema, the docs page kept off, and reads that never write."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sambung.orders.cart import PricedLine
from sambung.orders.checkout import start_checkout

PATHS = {
    "/api/v1/products": {"get"},
    "/api/v1/products/{slug}": {"get"},
    "/api/v1/cooperatives/{slug}/stock": {"get"},
    "/api/v1/cooperatives/{slug}/orders": {"get"},
    "/api/v1/cooperatives/{slug}/orders/{code}": {"get"},
    "/api/v1/cooperatives/{slug}/orders/{code}/events": {"post"},
}


def test_the_openapi_schema_lists_every_path_with_its_security_and_errors(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.") and schema["info"]["version"] == "1"
    assert {path: set(methods) for path, methods in schema["paths"].items()} == PATHS
    assert {scheme["type"] for scheme in schema["components"]["securitySchemes"].values()} == {
        "http",
        "apiKey",
    }
    events = schema["paths"]["/api/v1/cooperatives/{slug}/orders/{code}/events"]["post"]
    assert set(events["responses"]) == {"201", "400", "401", "403", "404", "409", "422"}
    assert events["requestBody"]["content"]["application/json"]["schema"]
    kinds = schema["components"]["schemas"]["EventIn"]["properties"]["kind"]["enum"]
    assert set(kinds) == {"paid", "packing", "shipped", "delivered", "returned", "cancelled"}
    assert "security" not in schema["paths"]["/api/v1/products"]["get"]


def test_the_docs_page_is_off_so_nothing_loads_from_a_cdn(db):
    assert Client().get("/api/v1/docs").status_code == 404


@pytest.mark.parametrize("persona", ["anonymous", "manager", "viewer", "token_user"])
def test_get_endpoints_never_write_to_the_database(request, shop, cooperative, settings, persona):
    settings.CHECKOUT_HOLD_MINUTES = 0  # a hold already past its time: the reads must not release it
    start_checkout(cooperative=cooperative, lines=[PricedLine(shop["coffee"].skus.get(), None, 1)])
    client = request.getfixturevalue(persona)
    paths = [
        "/api/v1/products",
        "/api/v1/products?ready=true&q=kopi",
        "/api/v1/products/sarung-ikat",
        "/api/v1/openapi.json",
        "/api/v1/cooperatives/nian-tana/stock",
        "/api/v1/cooperatives/nian-tana/orders",
        f"/api/v1/cooperatives/nian-tana/orders/{shop['order'].code}",
    ]
    with CaptureQueriesContext(connection) as queries:
        statuses = {path: client.get(path).status_code for path in paths}

    assert set(statuses.values()) <= {200, 401} and len(queries) > len(paths)
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))
    ]
    assert writes == []
