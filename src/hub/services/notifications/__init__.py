"""Buyer notifications, wired: the timeline tap that queues them, the outbox job that renders
and sends (or keeps) them, the ship-by check, and the operator's view.

- ``tap``: in the transaction of each timeline batch, the mails its events call for
  (``hub.domain.notifications.mails_for``), filtered by the channel's ``notify``, become
  ``notifications`` rows (unique per order, event, parcel) and ``notifications.send`` jobs;
- ``send``: the job: render once (kept on the row), then SMTP, or keep it without SMTP;
- ``build``: a mail's context from the order, its parcels and the event's facts;
- ``overdue``: ship_by passed and nothing shipped -> an ``overdue`` timeline event;
- ``views``: list, show and preview.
"""
