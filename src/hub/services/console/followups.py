"""Two more rows of Today's work queue, read through their own services: complaints past
their due (of the channels the key reads complaints of) and buyer mails that failed (for a
key that reads every channel's mails)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.clock import utcnow
from hub.services.complaints import views as complaint_views
from hub.services.notifications import views as mail_views
from hub.store.complaints import ComplaintFilter
from hub.store.database import Database

LIMIT = 50


@dataclass(slots=True)
class Followups:
    overdue_complaints: list[Any] = field(default_factory=list)
    failed_mails: list[Any] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.overdue_complaints) + len(self.failed_mails)


async def followups(
    db: Database, *, complaints: frozenset[str] | bool | None, mails: bool
) -> Followups:
    """``complaints``: the channels whose complaints the key reads (None: every one; False:
    none); ``mails``: whether it reads the buyer mails."""
    found = Followups()
    now = utcnow()
    if complaints is not False:
        reach = sorted(complaints) if complaints is not None else None
        asked = ComplaintFilter(channels=reach, overdue_at=now)
        found.overdue_complaints = await complaint_views.list_page(db, asked, None, LIMIT, now)
    if mails:
        found.failed_mails = await mail_views.list_notifications(db, status=["failed"], limit=LIMIT)
    return found
