"""The schedule trigger (IN only): one FlowFile each time a cron expression or a timer fires."""
from __future__ import annotations

from .. import nifi_catalog as nc
from ..model import Integration, Port
from .base import Boundary, Step, ingress_context, port_comment


def schedule_in(integration: Integration, port: Port) -> Boundary:
    cron, every = port.binding.setting("cron"), port.binding.setting("every")
    schedule = ("CRON_DRIVEN", cron) if cron else ("TIMER_DRIVEN", every)
    trigger = Step(
        key="trigger",
        name=f"every {every}" if every else f"cron {cron}",
        component=nc.GENERATE_FLOW_FILE,
        comments=port_comment(port, "An empty FlowFile per firing, on the primary node only (one run per cluster)."),
        forward=("success",),
        primary_only=True,
        tuned=True,
        schedule=schedule,
    )
    return Boundary(steps=(trigger, ingress_context(integration, port)))
