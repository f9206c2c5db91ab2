"""Rows as plain JSON-able dicts and back: what row events carry, and what sync_state digests.

Foreign keys travel as the related row's id, except users, which travel as usernames (user ids differ per
node). Files travel as their stored names (the files themselves do not sync yet).
"""

import datetime
import decimal
import uuid

from django.contrib.auth import get_user_model
from django.db import models


def label_of(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def _plain(value: object) -> object:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def is_user_field(field: models.Field) -> bool:
    return field.is_relation and field.related_model is get_user_model()


def serialize_row(obj: models.Model, *, skip: frozenset[str] = frozenset()) -> dict:
    """Return {"m": "app.model", "f": {attname: value}} for every concrete field."""
    fields: dict[str, object] = {}
    user_ids: dict[str, int] = {}
    for field in obj._meta.concrete_fields:
        if field.attname in skip:
            continue
        if is_user_field(field):
            user_ids[field.attname] = getattr(obj, field.attname)
            continue
        fields[field.attname] = _plain(getattr(obj, field.attname))
    if user_ids:
        names = dict(
            get_user_model()
            .objects.filter(pk__in=[i for i in user_ids.values() if i is not None])
            .values_list("pk", "username")
        )
        for attname, user_id in user_ids.items():
            fields[attname] = names.get(user_id)
    return {"m": label_of(obj), "f": fields}


def typed_values(model: type[models.Model], fields: dict) -> dict:
    """Convert a row's plain values back to Python values; raise ValueError/ValidationError on bad ones.

    User fields stay usernames here: the caller resolves them.
    """
    known = {field.attname: field for field in model._meta.concrete_fields}
    unknown = set(fields) - set(known)
    if unknown:
        raise ValueError(f"unknown fields for {label_of(model)}: {', '.join(sorted(unknown))}")
    values = {}
    for attname, raw in fields.items():
        field = known[attname]
        if is_user_field(field):
            values[attname] = raw
        elif field.is_relation:
            values[attname] = None if raw is None else field.target_field.to_python(raw)
        elif isinstance(field, models.JSONField):
            values[attname] = raw
        elif isinstance(field, models.FileField):
            values[attname] = raw or ""
        else:
            values[attname] = field.to_python(raw)
    return values
