"""Order intake: the path of an order into the hub, one module per step.

::

    a partner's webhook         a poll (the worker, each interval)    POST /orders, hub import
    POST /webhooks/{code}       jobs poll.orders, poll.shipments      (api/orders, cli)
            │                                │                                │
    webhooks.py: verify the     polling.py: fetch from the stored             │
    signature, keep the raw     cursor; keep each page's documents            │
    payload once                once, with the new cursor                     │
            └───────────────┬────────────────┘                                │
                            ▼                                                 │
    inbound_messages: every raw payload, kept before it is mapped             │
                            │ job inbound.process                             │
                            ▼                                                 │
    messages.py: the connector maps it; what fails is quarantined,            │
                 and replayed once the mapping or the catalog is fixed        │
                 (a warehouse's shipments and tracking go on to               │
                 services/fulfilment instead)                                 │
                            │ a channel's orders                              │
                            ▼                                                 │
    channel_orders.py: create the order, or update it in place;               │
                       follow the channel's cancellation or fulfilment        │
                            │                                                 │
                            ▼                                                 ▼
    writer.py: group commit: each new order with its lines, its first timeline entry, its
               idempotency record and its order.accept job; many orders, one transaction;
               the same (channel, external_id) is always one order
                            │ job order.accept
                            ▼
    accept.py: reserve the lines (or hold the order for stock), accept, then route and
               release (bootstrap passes the router in), all in one transaction

Each step commits what it did together with the job of the next (the outbox): a crash
anywhere loses nothing and does nothing twice. After intake, an operator's hold, release and
cancel are ``services/orders``; the way to a warehouse is ``services/fulfilment``.
"""
