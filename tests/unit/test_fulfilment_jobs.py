"""Every job kind fulfilment queues has its handler registered in one place."""

from __future__ import annotations

from hub.domain.routing import DEFAULT_RULES
from hub.services.fulfilment import channel_push, dispatch, labels
from hub.services.fulfilment.jobs import KINDS, register
from hub.services.jobs import JobRegistry


def test_every_kind_is_registered_once_as_a_partner_job() -> None:
    registry = JobRegistry()
    register(registry, lambda: DEFAULT_RULES)
    queued = {dispatch.SEND_JOB, dispatch.CANCEL_JOB, labels.LABEL_JOB, channel_push.PUSH_JOB}
    assert set(KINDS) == queued and len(KINDS) == len(queued)
    assert set(registry.single) == queued
    assert not registry.local and not registry.batch
