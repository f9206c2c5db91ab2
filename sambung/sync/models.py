"""Replication between the centre and village hubs: events, cursors, peers and one-time enrolment codes.

Every replicated change is an Event written in the same transaction as the change (sync.outbox.emit). Its
origin numbers its events 1, 2, 3 … with no gaps; a node's version vector is, per origin, the highest sequence
number up to which it holds everything it should (OriginCursor). Written only by sync.outbox, sync.apply and
sync.enrolment.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sambung.catalog.models import Cooperative, Node
from sambung.lib.ids import uuid7


class Event(models.Model):
    class State(models.TextChoices):
        APPLIED = "applied", _("applied")
        WAITING = "waiting", _("waiting for earlier changes")
        REVIEW = "review", _("to review")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # A node id, not a foreign key: a hub's events may reach another hub before the hub's Node row does.
    origin = models.UUIDField()
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=40)
    payload = models.JSONField()
    # Which cooperative's hubs receive it; none = every node (categories, the centre itself).
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField()  # the origin's clock: shown, never used as a cursor
    received_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.APPLIED)
    problem = models.TextField(blank=True)

    class Meta:
        ordering = ["origin", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "seq"], name="one_event_per_origin_seq"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="event_seq_positive"),
        ]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.origin}#{self.seq}"


class OriginCursor(models.Model):
    """This node's holdings of one origin's events: everything up to `seq`, plus any ranges received beyond it.

    For this node's own origin it is also the sequence counter: emit increments it under the row lock.
    """

    origin = models.UUIDField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    # [[first, last], …] received beyond a gap (a bundle imported out of order), merged into `seq` once contiguous.
    beyond = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.origin}: {self.seq}"


class RowVersion(models.Model):
    """The event that last wrote a replicated row: a row takes an event only if the event's id is later.

    UUIDv7 ids order events the same way on every node, so rows written by two nodes converge (last writer wins)
    whatever order their events arrive in.
    """

    label = models.CharField(max_length=60)
    row_id = models.CharField(max_length=64)
    event_id = models.UUIDField()
    origin = models.UUIDField()  # the node that first wrote the row: a hub may change only its own rows

    class Meta:
        constraints = [models.UniqueConstraint(fields=["label", "row_id"], name="one_version_per_row")]

    def __str__(self) -> str:
        return f"{self.label} {self.row_id}: {self.event_id}"


class LocalNode(models.Model):
    """Which Node this installation is; absent = the centre. A hub's row is written by enrol_hub."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    node = models.OneToOneField(Node, on_delete=models.PROTECT, related_name="+")
    certificate = models.BinaryField(blank=True, default=b"")  # signed by the centre (hubs only)
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="one_local_node")]

    def __str__(self) -> str:
        return str(self.node_id)


class Peer(models.Model):
    """A node this one exchanges frames with: on the centre, each enrolled hub; on a hub, the centre."""

    node = models.OneToOneField(Node, on_delete=models.PROTECT, related_name="sync_peer", primary_key=True)
    public_key = models.BinaryField()  # raw Ed25519, 32 bytes
    url = models.URLField(blank=True)  # a hub's centre
    locations = models.JSONField(default=list)  # ids of the locations in its certificate
    enrolled_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    # What the peer has told us it holds (its vector at the last acknowledgement): we send only beyond it.
    acknowledged = models.JSONField(default=dict)

    def __str__(self) -> str:
        return str(self.node)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class EnrolmentCode(models.Model):
    """A one-time code the manager gives a hub operator; only its SHA-256 is kept."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.node_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class CancelRequest(models.Model):
    """A cancellation asked for at the centre, of an order whose units sit at a hub: only that hub moves them.

    The request travels to the hub as an `order.cancel_request` event; at its next sync the hub cancels the
    order if the parcel has not shipped (its own cancel_order moves the units) and answers with
    `order.cancel_answer` — done, or refused because the parcel already left.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("sent to the hub, waiting for its next sync")
        DONE = "done", _("cancelled at the hub")
        REFUSED = "refused", _("refused by the hub")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="cancel_requests")
    hub = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=30)
    note = models.CharField(max_length=300, blank=True)
    requested_by = models.CharField(max_length=150, blank=True)
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"{self.order} — {self.get_state_display()}"


class WantedFile(models.Model):
    """A photo file a peer said, in its last bundle, it waits for: the next bundle for it carries the file.

    Over HTTP nothing is kept: the hub asks for what it lacks and the centre says what it lacks, each time.
    """

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="wanted_files")
    photo_id = models.UUIDField()
    role = models.CharField(max_length=10)  # original | thumb | detail

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "photo_id", "role"], name="one_want_per_peer_file")
        ]

    def __str__(self) -> str:
        return f"{self.peer_id}: {self.photo_id} {self.role}"
