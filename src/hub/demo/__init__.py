"""``hub demo``: the hub on a fresh database, fed by sandbox partners on loopback.

The partners are small in-process HTTP servers that speak each partner's wire format, so
the hub talks to them through its real connectors and they talk back through its real
webhook endpoint, signatures and all:

- ``shop``: a Shopify-shaped store that places signed ``orders/create`` webhooks and takes
  the GraphQL calls the shopify connector makes (stock pushes, shipments);
- ``threepl``: a ShipBob-shaped 3PL that takes the fulfilment orders and ships each one
  after a few seconds through its Standard Webhooks ``order.shipped``;
- ``carrier``: an EasyPost-shaped carrier that moves each parcel to delivered through
  signed ``tracker.updated`` events;
- ``sandbox``: the one loopback server the three answer on (``/shopify``, ``/shipbob``,
  ``/easypost``);
- ``world``: the demo catalog, the locations and the connections file;
- ``narrate``: what the hub does, printed from its timeline;
- ``run``: starts it all and stops it on Ctrl-C.

The sandbox imports nothing of the connectors (they import only ``hub.sdk``): it is
written from the wire formats in each connector's README.
"""
