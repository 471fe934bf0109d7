"""What the scheduled functions share: the time an invocation was scheduled for."""
from __future__ import annotations

from datetime import datetime, timezone


def scheduled_at(event) -> datetime:
    """The time EventBridge scheduled the invocation for (the event's `time`, UTC), so a delayed or
    repeated invocation does the work of the moment it stands for; now when the event has none."""
    raw = getattr(event, "time", None) or (event.get("time") if isinstance(event, dict) else None)
    if not raw:
        return datetime.now(timezone.utc)
    return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(timezone.utc)
