"""The faults of a run, each at a random moment of the load, one at a time.

Each fault is given when the load has accepted a share of its commands (drawn at random from
the seed), then healed; the time to recover is from the fault's start until every service
answers /readyz again and the load has had another command accepted.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from arctic.runtime.servers import LocalNats
from arctic.runtime.subscriptions import Subscription
from chaos.load import Ledger
from chaos.stack import Stack


def retry_budget() -> float:
    """Seconds a consumer's retries of one failing event span before its dead letter (the
    subscriptions' defaults): an outage must outlast this to show it costs no retries."""
    defaults: Subscription[Any] = Subscription(durable="budget", stream="BUDGET")
    return sum(defaults.retry_delay(n) for n in range(1, defaults.max_failures))


@dataclass
class Fault:
    """One fault: what, when (after how many accepted commands), and how it went."""

    name: str
    at_command: int
    action: Callable[[], Awaitable[None]]
    progress: Callable[[], int] | None = None  # what must move again (default: commands)
    started: float = 0.0
    wall_started: float = 0.0
    down_seconds: float = 0.0
    recovered_seconds: float | None = None


@dataclass
class Plan:
    """How much to break: kills per service, the long outage's length, refusals."""

    kills_per_service: int = 3
    long_outage_seconds: float = field(default_factory=lambda: retry_budget() + 15)
    refusal_seconds: float = 15.0
    restarts: bool = True  # PostgreSQL and NATS (or the cluster's nodes) restarted
    long_outage: bool = True
    refusals: bool = True


class Faults:
    """The faults of one run against `stack`, drawn from `seed` over `commands` commands."""

    def __init__(self, stack: Stack, ledger: Ledger, commands: int, plan: Plan, seed: int) -> None:
        self.stack, self.ledger, self.plan = stack, ledger, plan
        self.random = random.Random(seed + 1)  # noqa: S311 (a repeatable run, no secret)
        self.load_done: Callable[[], bool] = lambda: False  # the engine gives the load's
        self.done = False
        actions: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        for name in stack.services:
            for _ in range(plan.kills_per_service):
                actions.append((f"SIGKILL {name}", self._kill(name)))
        if plan.restarts:
            actions.append(("PostgreSQL restarted", self._restart_postgres(0)))
            if stack.nats_cluster is not None:
                actions.append(("NATS node killed and restarted", self._kill_node(leader=False)))
                actions.append(("NATS stream leader killed", self._kill_node(leader=True)))
            else:
                actions.append(("NATS restarted", self._restart_nats()))
        if plan.long_outage:
            seconds = plan.long_outage_seconds
            actions.append((f"PostgreSQL down {seconds:.0f} s", self._restart_postgres(seconds)))
        if plan.refusals:
            actions.append(("SMTP sink refusing", self._refuse_mail()))
            actions.append(("webhook receiver refusing", self._refuse_webhooks()))
        self.random.shuffle(actions)
        # Spread over the first 85 % of the load, each at least a little after the last.
        points = sorted(self.random.uniform(0.05, 0.85) for _ in actions)
        names = [name for name, _ in actions]
        if "NATS stream leader killed" in names:  # a node first, then the leader
            first, then = (names.index(n) for n in ("NATS node killed and restarted",
                                                     "NATS stream leader killed"))  # fmt: skip
            if then < first:
                actions[first], actions[then] = actions[then], actions[first]
        self.faults = [
            Fault(name, int(point * commands), action, self._progress(name))
            for (name, action), point in zip(actions, points, strict=True)
        ]

    def _progress(self, name: str) -> Callable[[], int] | None:
        """For the sink and the receiver, recovery is the next message they take."""
        if name.startswith("SMTP sink"):
            return lambda: self.stack.mails_received
        if name.startswith("webhook receiver"):
            return lambda: sum(self.stack.receiver.received.values())
        return None

    async def run(self) -> None:
        """Give each fault in turn once the load has reached its moment."""
        for fault in self.faults:
            while self.ledger.commands < fault.at_command and not self.load_done():  # noqa: ASYNC110
                await asyncio.sleep(0.1)  # (a count that many tasks move: polled)
            fault.at_command = self.ledger.commands
            fault.started, fault.wall_started = time.monotonic(), time.time()
            await fault.action()
            fault.down_seconds = time.monotonic() - fault.started
            fault.recovered_seconds = await self._recovered(fault)
        self.done = True

    async def _recovered(self, fault: Fault) -> float | None:
        """Seconds from the fault's start until every service is ready and a command was
        accepted after it was healed; or, for the sink and the receiver, until they took a
        message again (None when the load ended first)."""
        progress = fault.progress or (lambda: self.ledger.commands)
        healed_at = progress()
        await self.stack.ready()
        deadline = time.monotonic() + 900
        while progress() <= healed_at:
            if self.load_done():
                # Without load nothing may be left to send: the sink or receiver gets a
                # minute for the retries of what it refused, and then counts as unmeasured.
                deadline = min(deadline, time.monotonic() + 60)
                if fault.progress is None:
                    return None
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.05)
        return time.monotonic() - fault.started

    def _kill(self, name: str) -> Callable[[], Awaitable[None]]:
        async def kill() -> None:
            service = self.stack.services[name]
            await asyncio.to_thread(service.kill)
            service.start()

        return kill

    def _restart_postgres(self, down: float) -> Callable[[], Awaitable[None]]:
        async def restart() -> None:
            postgres = self.stack.postgres
            await asyncio.to_thread(postgres.stop)
            await asyncio.sleep(down)
            await asyncio.to_thread(postgres.start, durable=False)

        return restart

    def _restart_nats(self) -> Callable[[], Awaitable[None]]:
        async def restart() -> None:
            server = self.stack.nats_server
            assert server is not None
            await asyncio.to_thread(server.stop)
            await asyncio.to_thread(server.start)

        return restart

    def _kill_node(self, *, leader: bool) -> Callable[[], Awaitable[None]]:
        async def kill() -> None:
            node = await self._node_of("CATALOGUE", leader)
            await asyncio.to_thread(node.stop, signal.SIGKILL)
            await asyncio.sleep(5)  # under load without it
            await asyncio.to_thread(node.start)

        return kill

    async def _node_of(self, stream: str, leader: bool) -> LocalNats:
        """The stream's leader, or one of its followers, as JetStream reports them."""
        cluster = self.stack.nats_cluster
        assert cluster is not None
        nc = await self.stack.connect()
        try:
            info = await nc.jetstream().stream_info(stream)
        finally:
            await nc.close()
        assert info.cluster is not None
        if leader:
            assert info.cluster.leader is not None
            return cluster.node(info.cluster.leader)
        assert info.cluster.replicas
        follower = info.cluster.replicas[0].name
        assert follower is not None
        return cluster.node(follower)

    def _refuse_mail(self) -> Callable[[], Awaitable[None]]:
        async def refuse() -> None:
            await asyncio.to_thread(self.stack.sink.stop)  # connections refused
            await asyncio.sleep(self.plan.refusal_seconds)
            await asyncio.to_thread(self.stack.sink.start)

        return refuse

    def _refuse_webhooks(self) -> Callable[[], Awaitable[None]]:
        async def refuse() -> None:
            self.stack.receiver.refusing = True  # 503 to every call
            await asyncio.sleep(self.plan.refusal_seconds)
            self.stack.receiver.refusing = False

        return refuse
