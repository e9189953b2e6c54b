"""The action plan of an agreement year: the actions agreed, each with an owner on each
side, a due date, a status and the handprint indicators it is expected to move."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID, uuid4

from arctic.contracts.events import ActionPlanAgreed, PlannedAction
from arctic.contracts.vocabulary import ActionStatus, Person
from arctic.partnerships.agreements import Agreement
from arctic.partnerships.domain import NotFound, RuleBroken, once_each


@dataclass(frozen=True)
class Action:
    """An agreed action."""

    id: UUID
    title: str
    description: str | None = None
    due_on: date | None = None
    status: ActionStatus = ActionStatus.not_started
    uas_owner: Person | None = None
    partner_owner: Person | None = None
    indicators: tuple[str, ...] = ()

    @property
    def planned(self) -> PlannedAction:
        """The action as events carry it."""
        return PlannedAction(
            action_id=self.id,
            title=self.title,
            description=self.description,
            due_on=self.due_on,
            status=self.status,
            uas_owner=self.uas_owner,
            partner_owner=self.partner_owner,
            indicators=list(self.indicators),
        )


@dataclass
class ActionPlan:
    """The plan of one agreement year; agreed again when its actions change."""

    id: UUID
    agreement_id: UUID
    agreement_year: int
    starts_on: date
    ends_on: date
    actions: list[Action]
    agreed_at: datetime
    version: int = 1
    updated_at: datetime | None = field(default=None)

    @classmethod
    def agree(
        cls,
        agreement: Agreement,
        year: int,
        actions: Sequence[Action],
        now: datetime,
        existing: ActionPlan | None = None,
    ) -> tuple[ActionPlan, ActionPlanAgreed]:
        """Agree (or agree again) the year's actions; the agreement must be active and the
        year within its terms, each due date within the year."""
        agreement.check_action_plan()
        starts_on, ends_on = agreement.year_span(year)
        _check_actions(actions, starts_on, ends_on)
        if existing is None:
            plan = cls(uuid4(), agreement.id, year, starts_on, ends_on, list(actions), now)
        else:
            plan = existing
            plan.actions, plan.agreed_at, plan.updated_at = list(actions), now, now
            plan.version += 1
        return plan, plan.agreed(agreement, now)

    def agreed(self, agreement: Agreement, now: datetime) -> ActionPlanAgreed:
        """The ActionPlanAgreed of the plan as it stands."""
        return ActionPlanAgreed(
            action_plan_id=self.id,
            agreement_id=self.agreement_id,
            partner=agreement.partner,
            agreement_year=self.agreement_year,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            actions=[a.planned for a in self.actions],
            uas_contact=agreement.uas_contact,
            partner_contact=agreement.partner_contact,
            agreed_at=now,
        )

    def set_status(self, action_id: UUID, status: ActionStatus, now: datetime) -> Action:
        """Record how far an action got."""
        for index, action in enumerate(self.actions):
            if action.id == action_id:
                self.actions[index] = replace(action, status=status)
                self.updated_at = now
                self.version += 1
                return self.actions[index]
        raise NotFound("action", action_id)


def new_action(
    title: str,
    description: str | None = None,
    due_on: date | None = None,
    status: ActionStatus = ActionStatus.not_started,
    uas_owner: Person | None = None,
    partner_owner: Person | None = None,
    indicators: Sequence[str] = (),
    action_id: UUID | None = None,
) -> Action:
    """An action, with a new id unless it keeps one."""
    return Action(
        action_id or uuid4(),
        title.strip(),
        description,
        due_on,
        status,
        uas_owner,
        partner_owner,
        tuple(once_each(list(indicators))),
    )


def _check_actions(actions: Sequence[Action], starts_on: date, ends_on: date) -> None:
    if not actions:
        raise RuleBroken("actions", "an action plan has at least one action")
    if len({a.id for a in actions}) != len(actions):
        raise RuleBroken("actions", "each action of a plan has an id of its own")
    for index, action in enumerate(actions):
        if action.due_on is not None and not starts_on <= action.due_on <= ends_on:
            raise RuleBroken(
                f"actions.{index}.due_on",
                f"the agreement year runs from {starts_on} to {ends_on}",
            )
