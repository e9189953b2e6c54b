"""A short chaos run (`chaos.engine`, the engine of `make chaos`): a few hundred commands
through every cross-service flow while each service is killed once with SIGKILL and started
again and PostgreSQL and NATS are restarted (the load goes on until the last fault is healed,
so that each happens under load). Afterwards, counted from the databases, the streams, the
mails and the webhook calls: every accepted command had exactly one effect everywhere it
reaches, no event was lost or applied twice, none came out of order per aggregate, every
scheduled reminder made due fired once, and no send was repeated beyond the documented bound
(the sends notifications had in flight when it was killed, docs/notifications.md).

The full run (`make chaos`: 10,000 commands, several kills of each service, an outage longer
than the consumers' retry budget, the SMTP sink and a webhook receiver refusing, the NATS
cluster) and its figures: docs/reliability.md.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from chaos.engine import Options, run
from chaos.faults import Plan

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

COMMANDS = 300


async def test_every_command_has_one_effect_while_each_service_is_killed_and_the_servers_restart(
    servers_dir: Path,
) -> None:
    plan = Plan(kills_per_service=1, long_outage=False, refusals=False)
    options = Options(commands=COMMANDS, clients=6, seed=16, plan=plan)
    options.home = servers_dir / f"chaos-{uuid.uuid4().hex[:8]}"
    result = await run(options)

    given = sorted(fault.name for fault in result.faults)
    assert given == sorted(
        [
            "NATS restarted",
            "PostgreSQL restarted",
            "SIGKILL catalogue",
            "SIGKILL notifications",
            "SIGKILL partnerships",
            "SIGKILL prototyping",
        ]
    )
    ledger, figures = result.ledger, result.figures
    assert ledger.failed == []
    assert ledger.commands >= COMMANDS
    assert set(ledger.accepted) == {
        "prototype_request", "prototype_accept", "inquiry", "booking_request",
        "booking_confirm", "booking_complete", "partner", "need", "negotiation", "conclude",
        "sign",
    }  # fmt: skip
    assert figures.problems == []
    assert dict(figures.losses) == {}
    assert dict(figures.duplicates) == {}
    assert figures.out_of_order == 0
    assert figures.dead_letters == 0
    assert figures.repeated_sends <= figures.allowed_repeats
    # The checks did count: each flow's effects were found, once each.
    effects = figures.effects
    assert effects["PrototypeRequested per request"] == len(ledger.requests)
    routed = [i for i, target in ledger.inquiries.items() if target == "prototyping"]
    assert routed
    assert effects["prototype request opened per inquiry routed to prototyping"] == len(routed)
    assert effects["EnvironmentUsageRecorded per completion"] == len(ledger.completed) > 0
    assert effects["partnership known to prototyping per agreement"] == len(ledger.agreements)
    assert effects["EvaluationDue fired per evaluation made due"] == len(ledger.evaluations) > 0
    assert effects["email deliveries received"] > 0
    assert effects["webhook deliveries received"] > 0
