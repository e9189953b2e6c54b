"""HTTP API of the social handprint: recording indicators, and the year's report per
partner and for the programme (JSON or CSV)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import PlainTextResponse

from arctic.partnerships import year_handlers, year_store
from arctic.partnerships.api import (
    CHANGE_ANSWERS,
    PROGRAMME,
)
from arctic.partnerships.handprint import INDICATORS, HandprintReport, HandprintTotals
from arctic.partnerships.schemas import (
    HandprintBody,
)
from arctic.partnerships.views import (
    HandprintFigures,
    HandprintReportView,
    PartnerHandprint,
)
from arctic.runtime.access.requirements import require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, Idempotent, UnitOfWorkDep

router = APIRouter(tags=["the social handprint"])


@router.post(
    "/handprints",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Record a partner's social-handprint indicators for a year (and maybe one action)",
)
async def record_handprint(
    body: HandprintBody, uow: UnitOfWorkDep, clock: ClockDep
) -> dict[str, str]:
    async with uow.transaction() as tx:
        record = await year_handlers.record_handprint(
            tx, body.partner_id, body.year, body.action_id, body.counts(), body.impact, clock()
        )
    return {"id": str(record.id)}


def _figures(totals: HandprintTotals) -> HandprintFigures:
    return HandprintFigures(**totals.counts, impacts=totals.impacts)


@router.get(
    "/reports/handprint",
    response_model=HandprintReportView,
    dependencies=[Depends(require(Role.coordinator, Role.service))],
    responses={200: {"content": {"text/csv": {}}}},
    summary="The year's social handprint per partner and for the whole programme, as JSON "
    "or (`format=csv`) CSV for the regional council",
)
async def handprint_report(
    uow: UnitOfWorkDep,
    year: Annotated[int, Query(ge=2000, le=2999)],
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> HandprintReportView | PlainTextResponse:
    report = HandprintReport.of(year, await year_store.handprints_of(uow.pool, year))
    view = HandprintReportView(
        year=year,
        partners=[
            PartnerHandprint(
                partner_id=partner.partner_id,
                name=partner.name,
                business_id=partner.business_id,
                figures=_figures(totals),
            )
            for partner, totals in sorted(report.partners.values(), key=lambda p: p[0].name)
        ],
        programme=_figures(report.programme),
    )
    if format == "json":
        return view
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["year", "partner", "business_id", *INDICATORS])
    for row in view.partners:
        counts = row.figures.model_dump(exclude={"impacts"})
        writer.writerow([year, row.name, row.business_id, *(counts[i] for i in INDICATORS)])
    totals = view.programme.model_dump(exclude={"impacts"})
    writer.writerow([year, "programme", "", *(totals[i] for i in INDICATORS)])
    return PlainTextResponse(out.getvalue(), media_type="text/csv")
