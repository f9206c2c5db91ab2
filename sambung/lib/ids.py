"""UUIDv7 ids for every row that replicates: time-ordered, so indexes stay compact."""

import uuid

import uuid6


def uuid7() -> uuid.UUID:
    """Return a new UUIDv7 as a standard uuid.UUID."""
    return uuid.UUID(int=uuid6.uuid7().int)
