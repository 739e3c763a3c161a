"""An audit line for every successful write: created, replaced, updated or deleted.

It is a log record handed to the logging thread (app.logging), so the request
never waits on its I/O, and it costs less inline than scheduling a FastAPI
background task would. Work that is slow or may fail (a notification, a
webhook) belongs in `BackgroundTasks`, or in the broker when it must survive a
restart.
"""

from __future__ import annotations

import logging
from typing import Literal

from app.logging import log_info
from app.models.item import ItemId

AuditAction = Literal["created", "replaced", "updated", "deleted"]

audit_logger = logging.getLogger("app.audit")


def record_item_event(action: AuditAction, item_id: ItemId) -> None:
    log_info(audit_logger, f"item {action}", {"event": f"item.{action}", "item_id": item_id})
