"""Work that happens after the response is sent (FastAPI BackgroundTasks).

Recording an audit event stands in for any post-response side effect: sending
a notification, warming a cache, calling a webhook. The client does not wait
for it; if it raises, the server logs the error and the response is unaffected.
Every write records one: created, replaced, updated or deleted.
"""

from __future__ import annotations

import logging
from typing import Literal

from app.models.item import ItemId

AuditAction = Literal["created", "replaced", "updated", "deleted"]

audit_logger = logging.getLogger("app.audit")


async def record_item_event(action: AuditAction, item_id: ItemId) -> None:
    audit_logger.info("item %s", action, extra={"event": f"item.{action}", "item_id": item_id})
