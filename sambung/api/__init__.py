"""The JSON API (/api/v1/) for village hubs and apps, with its OpenAPI schema."""
