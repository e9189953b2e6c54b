"""HTTP API of the year's figures, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from arctic.prototyping import store
from arctic.prototyping.reports import Figures, year_report
from arctic.runtime.access.requirements import require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import UnitOfWorkDep

router = APIRouter(tags=["reports"])
CSV = "text/csv; charset=utf-8"


class ReportFormat(StrEnum):
    """How the figures are answered."""

    json = "json"
    csv = "csv"


class YearReport(BaseModel):
    """The figures of the requests made in `year`: all, by discipline, partners and others."""

    year: int
    figures: list[Figures]


def _csv(report: list[Figures]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(Figures.model_fields))
    for row in report:
        writer.writerow(["" if v is None else v for v in row.model_dump().values()])
    return out.getvalue()


@router.get(
    "/reports/prototyping",
    response_model=YearReport,
    dependencies=[Depends(require(Role.coordinator))],
    responses={200: {"content": {CSV: {}}, "description": "The figures (JSON, or CSV)"}},
    summary="The year's figures: requests, decisions, deliveries, on time, median days",
    description="Requests made in `year` (Finland's calendar): how many, accepted, rejected, "
    "delivered, the share delivered on or before `due_on`, the median days from request to "
    "delivery; overall, by discipline (confirmed ones once accepted) and for partners (when "
    "accepted) and others. `format=csv` answers the same rows as CSV.",
)
async def year_figures(
    uow: UnitOfWorkDep,
    year: Annotated[int, Query(ge=2000, le=2099)],
    format: ReportFormat = ReportFormat.json,
) -> YearReport | Response:
    report = year_report(await store.facts_of_year(uow.pool, year))
    if format is ReportFormat.csv:
        return Response(_csv(report), media_type=CSV)
    return YearReport(year=year, figures=report)
