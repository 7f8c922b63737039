"""The schema as SQLAlchemy Core tables. Changes reach a database only through migrations/."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from hub.store.columns import BigId, UtcDateTime, metadata
from hub.store.complaint_tables import (  # noqa: F401  (in metadata)
    complaint_lines,
    complaints,
    shipped_daily,
)
from hub.store.document_tables import documents  # noqa: F401  (in metadata, too)
from hub.store.notification_tables import notifications  # noqa: F401  (in metadata, too)
from hub.store.payment_tables import payment_transactions  # noqa: F401  (in metadata, too)
from hub.store.return_tables import return_lines, return_receipts, returns  # noqa: F401
from hub.store.stock_sync_tables import stock_dirty, stock_drift, stock_sync  # noqa: F401
from hub.store.tally_tables import order_counts, order_hours  # noqa: F401  (in metadata)
from hub.store.webhook_tables import subscriptions  # noqa: F401  (in metadata, too)

orders = Table(
    "orders",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("public_ref", String(32), nullable=False, unique=True),
    Column("channel", String(64), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("held_from", String(20)),
    Column("placed_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("doc", LargeBinary, nullable=False),
    Column("attention", Text),  # why an operator must look at this order, if they must
    Column("search", Text, nullable=False, server_default=text("''")),  # what ?q= looks in
    Column("edits", Text),  # JSON: fields an operator changed -> what the channel had sent
    # the payment, derived from payment_transactions (hub.domain.payments) on every change
    Column("payment_status", String(20), nullable=False, server_default=text("'pending'")),
    Column("paid_authorized", BigInteger, nullable=False, server_default=text("0")),
    Column("paid_captured", BigInteger, nullable=False, server_default=text("0")),
    Column("paid_refunded", BigInteger, nullable=False, server_default=text("0")),
    # on hold until paid: the release_when it waits for (paid, authorized); else None
    Column("awaiting_payment", String(20)),
    # an order made for another one: a complaint's reship (link_kind "reship")
    Column("linked_order_id", String(26)),
    Column("link_kind", String(20)),
    UniqueConstraint("channel", "external_id"),
    # GET /orders: one index per filter, sorted by a time and the id (store/order_queries)
    Index(None, "channel", "placed_at", "id"),
    Index(None, "status", "placed_at", "id"),
    Index(None, "placed_at", "id"),
    Index(None, "updated_at", "id"),
    Index(None, "external_id"),
    # the console's work queue: orders flagged for an operator (few, among many)
    Index(
        "ix_orders_attention",
        "updated_at",
        postgresql_where=text("attention IS NOT NULL"),
        sqlite_where=text("attention IS NOT NULL"),
    ),
    Index(None, "linked_order_id"),
    Index(
        "ix_orders_search_trgm",
        "search",
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
        info={"dialects": ["postgresql"]},  # pg_trgm; SQLite has none (and reads every row)
    ),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(26), ForeignKey("orders.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("sku", String(100), nullable=False),
    Column("quantity", Integer, nullable=False),
    Index(None, "sku"),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(26), ForeignKey("orders.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20)),
    Column("detail", Text),
    Index(None, "order_id", "id"),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(100), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False),
    Column("run_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime),
    Column("locked_by", String(100)),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "state", "run_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "created_at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scopes", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("expires_at", UtcDateTime),
)

inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("connection", String(64), nullable=False),
    Column("source", String(20), nullable=False),  # webhook, poll, import
    Column("dedupe_key", String(200), nullable=False),
    Column("topic", String(100)),
    Column("received_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),  # received, processed, quarantined
    Column("reason", Text),
    Column("order_ids", Text),
    Column("headers", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    UniqueConstraint("connection", "dedupe_key"),
    Index(None, "status", "received_at"),
    Index(None, "connection", "source", "received_at"),  # the console: last webhook
)

inbound_reasons = Table(  # every reason a message was quarantined for, oldest first
    "inbound_reasons",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_id", String(26), ForeignKey("inbound_messages.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),  # worker, cli, key:<name>
    Column("reason", Text, nullable=False),
    Index(None, "message_id", "id"),
)

poll_cursors = Table(
    "poll_cursors",
    metadata,
    Column("connection", String(64), primary_key=True),
    Column("stream", String(50), primary_key=True),
    Column("cursor", Text),
    Column("polled_at", UtcDateTime, nullable=False),
)

locations = Table(
    "locations",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(10), nullable=False),  # own, 3pl, store
    Column("priority", Integer, nullable=False),  # lower is tried first when reserving
    # units kept back from every channel's available to sell (domain/ats)
    Column("safety_stock", Integer, nullable=False, server_default=text("0")),
    Column("country", String(2)),  # ISO 3166-1 alpha-2, for routing "nearest"
    Column("region", String(50)),  # state or province code, e.g. IL
    Column("connection", String(64)),  # who fulfils for it; None: the hub's own API
    Column("address", Text),  # JSON Address: the ship-from of labels
)

# on_hand may fall below reserved (a count found fewer than were promised): see domain/stock.
stock_levels = Table(
    "stock_levels",
    metadata,
    Column("sku", String(100), primary_key=True),
    Column("location", String(64), ForeignKey("locations.code"), primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("bin", String(64)),  # where the SKU lies at the location (pick lists sort by it)
    CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("sku", String(100), nullable=False),
    Column("location", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("quantity", Integer, nullable=False),  # signed change to on_hand or reserved
    Column("on_hand_after", Integer, nullable=False),
    Column("reserved_after", Integer, nullable=False),
    Column("reason", Text),
    Column("source", String(200), nullable=False),
    Column("order_id", String(26)),
    Index(None, "sku", "location", "id"),
    Index(None, "order_id"),
)

skus = Table(
    "skus",
    metadata,
    Column("sku", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("attributes", Text, nullable=False),  # a JSON object
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# the partner's identifier for a SKU on one connection (inventory item id, seller SKU, ...)
sku_listings = Table(
    "sku_listings",
    metadata,
    Column("sku", String(100), ForeignKey("skus.sku"), primary_key=True),
    Column("connection", String(64), primary_key=True),
    Column("listing_id", String(200), nullable=False),
    UniqueConstraint("connection", "listing_id"),
)

# another name for a real SKU (never for another alias, never a SKU itself)
sku_aliases = Table(
    "sku_aliases",
    metadata,
    Column("alias", String(100), primary_key=True),
    Column("sku", String(100), ForeignKey("skus.sku"), nullable=False),
    Index(None, "sku"),
)

# a bundle SKU consumes ``quantity`` of each component SKU; it has no stock of its own
bundle_components = Table(
    "bundle_components",
    metadata,
    Column("bundle_sku", String(100), ForeignKey("skus.sku"), primary_key=True),
    Column("component_sku", String(100), ForeignKey("skus.sku"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    Index(None, "component_sku"),
)

# Fulfilment (services/fulfilment/): one fulfilment per order and location, sent to the
# location's connection (or left open for the merchant's own warehouse API); parcels
# (shipments) reported against it, with their lines and latest tracking status.
fulfilments = Table(
    "fulfilments",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("order_id", String(26), ForeignKey("orders.id"), nullable=False),
    Column("location", String(64), nullable=False),
    Column("connection", String(64)),  # None: the hub's own warehouse API
    Column("status", String(20), nullable=False),  # hub.domain.fulfilment.FulfilmentStatus
    Column("partner_ref", String(200)),
    Column("rule", String(200)),
    Column("service_level", String(50)),
    Column("carrier", String(100)),
    Column("service", String(100)),
    Column("label", LargeBinary),  # the label document, when the hub bought one
    Column("label_format", String(10)),
    Column("label_tracking", String(100)),  # the bought label's tracking number
    Column("label_url", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "order_id"),
    Index(None, "location", "status"),
    Index(None, "status", "created_at"),  # the console's open (late) fulfilments
)

fulfilment_lines = Table(
    "fulfilment_lines",
    metadata,
    Column("fulfilment_id", String(26), ForeignKey("fulfilments.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("sku", String(100), nullable=False),
    Column("line_id", String(200)),
    Column("name", String(500)),
    Column("quantity", Integer, nullable=False),
    Column("shipped", Integer, nullable=False),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("fulfilment_id", String(26), ForeignKey("fulfilments.id"), nullable=False),
    Column("order_id", String(26), nullable=False),
    Column("parcel_key", String(200), nullable=False),  # partner's shipment id or tracking no.
    Column("carrier", String(100)),
    Column("service", String(100)),
    Column("tracking_number", String(100)),
    Column("tracking_url", Text),
    Column("status", String(30), nullable=False),  # hub.domain.fulfilment.ParcelStatus
    Column("status_detail", Text),
    Column("estimated_delivery", String(10)),  # ISO date
    Column("shipped_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("fulfilment_id", "parcel_key"),
    Index(None, "tracking_number"),
    Index(None, "order_id"),
    Index(None, "shipped_at"),  # units shipped in a window (complaint rates)
)

shipment_lines = Table(
    "shipment_lines",
    metadata,
    Column("shipment_id", String(26), ForeignKey("shipments.id"), primary_key=True),
    Column("sku", String(100), primary_key=True),
    Column("quantity", Integer, nullable=False),
)

# Orders that found no route: tried again when stock of one of their SKUs moves.
route_waits = Table(
    "route_waits",
    metadata,
    Column("order_id", String(26), ForeignKey("orders.id"), primary_key=True),
    Column("since", UtcDateTime, nullable=False),
)
