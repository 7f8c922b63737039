"""The return a complaint's ``return_required`` outcome opens (``complaints.hooks``).

Opened in the resolving transaction like an operator's return, so the same checks apply
(no more units than were shipped and not already returned; outside the channel's policy it
waits ``requested`` with the reasons) and a refusal rolls the resolution back.
"""

from __future__ import annotations

from sqlalchemy import Connection

from hub.connections import Connections
from hub.domain.settings import HubSettings
from hub.services.complaints.hooks import Opener, ReturnRequired
from hub.services.returns import policy
from hub.services.returns.opening import ReturnIn, ReturnLineIn, open_return


def opener(connections: Connections | None) -> Opener:
    """Opens the return of a ``return_required`` outcome (the defaults' policy without
    connections)."""
    default = HubSettings().return_policy()
    policy_of = policy.policy_of(connections) if connections else (lambda _channel: default)

    def open_for_complaint(conn: Connection, asked: ReturnRequired) -> str | None:
        if not asked.lines:
            return None  # nothing named: the operator opens the return with its lines
        body = ReturnIn(
            lines=[ReturnLineIn(sku=line.sku, quantity=line.quantity) for line in asked.lines],
            reason="other",
            note=f"complaint {asked.complaint_id}: return required",
        )
        return open_return(
            conn, asked.order_id, body, opener="operator", actor=asked.actor, policy_of=policy_of
        )

    return open_for_complaint
