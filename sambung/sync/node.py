"""Which node this installation is, and its Ed25519 key (a file in SAMBUNG_DATA_DIR, never in the database)."""

import contextlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction

from sambung.catalog.models import Node
from sambung.sync.models import LocalNode

KEY_FILE_NAME = "sync-node.key"


def this_node() -> Node:
    """Return the local Node: the hub named by the enrolment record, else the centre (created on first use)."""
    local = LocalNode.objects.select_related("node").filter(pk=1).first()
    if local is not None:
        return local.node
    centre = Node.objects.filter(kind=Node.Kind.CENTRE).order_by("created_at", "id").first()
    if centre is not None:
        return centre
    with transaction.atomic():
        centre, _created = Node.objects.get_or_create(kind=Node.Kind.CENTRE, defaults={"name": "Sambung"})
    return centre


def is_hub() -> bool:
    return LocalNode.objects.filter(pk=1).exists()


def key_path() -> Path:
    return Path(settings.DATA_DIR) / KEY_FILE_NAME


def private_key(*, create: bool = True) -> Ed25519PrivateKey:
    """Return this node's signing key, making one (file mode 0600) the first time."""
    path = key_path()
    if path.exists():
        return Ed25519PrivateKey.from_private_bytes(path.read_bytes())
    if not create:
        raise FileNotFoundError(path)
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a temporary name, then renamed: a crash never leaves half a key behind.
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(raw)
        file.flush()
        os.fsync(file.fileno())
    with contextlib.suppress(FileExistsError):  # another process made the key meanwhile: theirs wins
        os.link(temporary, path)
    temporary.unlink()
    return Ed25519PrivateKey.from_private_bytes(path.read_bytes())


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
