"""Fulfilment: from a released order to a delivered one.

    routing (hub.services.routing) writes one fulfilment per location
      -> dispatch          sent to the location's partner (``fulfilment.send``), or left open
                           for the merchant's own warehouse (``own_warehouse``: its work list
                           and ``POST /fulfilments/{id}/shipments``)
      -> labels            a carrier label bought by the routing rules (``fulfilment.label``)
      -> shipments         each parcel recorded once, its units taken from stock
      -> tracking          carrier news moves each parcel
      -> progress          parcels -> fulfilment -> order statuses (hub.domain.fulfilment)
      -> channel_push      the parcel back to the order's channel (``shipment.push``)
      -> public_tracking   what the buyer sees at ``/track/{public_ref}``

- ``dispatch`` also cancels: an order cancelled ends its open fulfilments, at the partner
  too (``fulfilment.cancel``); a partner's own cancellation is flagged for an operator.
- ``pos``: a sale handed over at the till leaves the store's stock.
- ``jobs``: every job kind of this package and its handler, registered in one place.

Each module that queues a job names its kind; ``jobs`` lists them all.
"""

#: how often a fulfilment job is tried before it is parked as dead
JOB_ATTEMPTS = 10
