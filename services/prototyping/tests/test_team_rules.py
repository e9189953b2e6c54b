"""Team assembly as plain code: coverage, capacity, absences, the least loaded first, and the
earliest date a team could start when nobody free covers a discipline."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from arctic.contracts.examples.parties import AINO
from arctic.contracts.vocabulary import Discipline
from arctic.prototyping.pool import (
    DateRange,
    DisciplinesNotCovered,
    InvalidAbsence,
    PoolExpert,
    absences_of,
    choose_team,
    earliest_start,
)
from arctic.prototyping.timebox import TimeBox

ICT, ENERGY, DESIGN = Discipline.ict, Discipline.energy, Discipline.industrial_design
START = date(2026, 3, 2)
BOX = TimeBox.starting(START, 30)


def expert(
    number: int,
    *disciplines: Discipline,
    capacity: int = 1,
    absences: tuple[DateRange, ...] = (),
    bookings: tuple[DateRange, ...] = (),
    erased: bool = False,
) -> PoolExpert:
    return PoolExpert(
        id=UUID(int=number),
        person=None if erased else AINO,
        disciplines=frozenset(disciplines),
        capacity=capacity,
        absences=absences,
        bookings=bookings,
    )


def ids(team: list[object]) -> list[int]:
    return [member.expert.id.int for member in team]  # type: ignore[attr-defined]


def test_a_team_covers_every_discipline_and_says_who_covers_what() -> None:
    team = choose_team([expert(1, ICT), expert(2, ENERGY), expert(3, DESIGN)], [ICT, ENERGY], BOX)
    assert ids(team) == [1, 2]
    assert [m.covers for m in team] == [(ICT,), (ENERGY,)]
    assert [m.as_expert().disciplines for m in team] == [[ICT], [ENERGY]]


def test_one_expert_of_two_disciplines_is_preferred_to_two_when_equally_loaded() -> None:
    team = choose_team(
        [expert(1, ICT), expert(2, ICT, ENERGY), expert(3, ENERGY)], [ICT, ENERGY], BOX
    )
    assert ids(team) == [2]
    assert team[0].covers == (ICT, ENERGY)


def test_the_least_loaded_relative_to_capacity_is_chosen() -> None:
    busy = (DateRange(START, START + timedelta(days=10)),)
    pool = [expert(1, ICT, capacity=2, bookings=busy), expert(2, ICT, capacity=3, bookings=busy)]
    assert ids(choose_team(pool, [ICT], BOX)) == [2]  # 1/3 loaded rather than 1/2


def test_an_expert_at_capacity_in_the_time_box_is_not_chosen() -> None:
    booked = (DateRange(START - timedelta(days=5), START + timedelta(days=25)),)
    pool = [expert(1, ICT, bookings=booked), expert(2, ICT, capacity=2, bookings=booked * 2)]
    with pytest.raises(DisciplinesNotCovered) as refused:
        choose_team(pool, [ICT], BOX)
    assert refused.value.missing == [ICT]
    # Both are free again the day after their bookings end.
    assert refused.value.earliest_start == START + timedelta(days=26)


def test_a_booking_that_ended_before_the_time_box_costs_no_capacity() -> None:
    before = (DateRange(START - timedelta(days=40), START - timedelta(days=1)),)
    assert ids(choose_team([expert(1, ICT, bookings=before)], [ICT], BOX)) == [1]


def test_an_absence_on_any_day_of_the_time_box_keeps_the_expert_out() -> None:
    away = absences_of([(BOX.due_on, BOX.due_on + timedelta(days=6))])
    with pytest.raises(DisciplinesNotCovered) as refused:
        choose_team([expert(1, ICT, absences=away), expert(2, ENERGY)], [ENERGY, ICT], BOX)
    assert refused.value.missing == [ICT]
    assert refused.value.earliest_start == BOX.due_on + timedelta(days=7)
    assert "ict" in str(refused.value)


def test_an_erased_expert_joins_no_team() -> None:
    with pytest.raises(DisciplinesNotCovered) as refused:
        choose_team([expert(1, ICT, erased=True)], [ICT], BOX)
    assert refused.value.earliest_start is None


def test_a_discipline_nobody_has_can_never_be_covered() -> None:
    with pytest.raises(DisciplinesNotCovered) as refused:
        choose_team([expert(1, ICT)], [ICT, DESIGN, ENERGY], BOX)
    assert refused.value.missing == [DESIGN, ENERGY]  # in the order required
    assert refused.value.earliest_start is None


def test_the_scarce_discipline_gets_its_only_expert_first() -> None:
    # Expert 1 is the only designer; taking 1 for ICT first would leave design uncovered.
    pool = [expert(1, ICT, DESIGN), expert(2, ICT)]
    team = choose_team(pool, [ICT, DESIGN], BOX)
    assert sorted(ids(team)) == [1]


def test_the_earliest_start_waits_for_every_missing_discipline() -> None:
    pool = [
        expert(1, ICT, absences=absences_of([(START, START + timedelta(days=3))])),
        expert(2, ENERGY, absences=absences_of([(START, START + timedelta(days=9))])),
    ]
    assert earliest_start(pool, [ICT, ENERGY], 30, START) == START + timedelta(days=10)


def test_an_absence_ending_before_it_starts_is_refused_with_its_position() -> None:
    with pytest.raises(InvalidAbsence) as refused:
        absences_of([(START, START), (START, START - timedelta(days=1))])
    assert refused.value.index == 1
