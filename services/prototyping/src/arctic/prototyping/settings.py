"""Settings of prototyping: the length of the time-box and when its deadline is announced."""

from __future__ import annotations

from pydantic import Field

from arctic.runtime.settings import ServiceSettings


class PrototypingSettings(ServiceSettings):
    """`ARCTIC_PROTOTYPE_TIME_BOX_DAYS` (30: `due_on` is the start plus this) and
    `ARCTIC_PROTOTYPE_REMINDER_DAYS` (7: PrototypeDeadlineApproaching this many days before
    `due_on`)."""

    prototype_time_box_days: int = Field(default=30, ge=3, le=365)
    prototype_reminder_days: int = Field(default=7, ge=0, le=60)
