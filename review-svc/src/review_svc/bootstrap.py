"""The composition root: the one place that wires the runtime, repositories, handlers and routes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from gongnon_chassis.clock import Clock
from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.runtime import Runtime, create_app, create_runtime
from gongnon_chassis.settings import ServiceSettings
from review_svc.adapters.cases import CaseRepository
from review_svc.adapters.committee import CommitteeRepository
from review_svc.adapters.department_stats import CaseFactsReader
from review_svc.adapters.departments import DepartmentRepository
from review_svc.domain.departments import legacy_map
from review_svc.domain.seoul import AGENCY, DEFAULT_DEPARTMENT_ID, SEOUL_DEPARTMENTS
from review_svc.entrypoints.agency_events import register_agency_handlers
from review_svc.entrypoints.committee_events import register_committee_handlers
from review_svc.entrypoints.committee_http import build_committee_router
from review_svc.entrypoints.departments_http import build_departments_router
from review_svc.entrypoints.events import register_handlers
from review_svc.entrypoints.http import build_router
from review_svc.entrypoints.stats_http import build_stats_router
from review_svc.service_layer.cases import CaseService
from review_svc.service_layer.committee import CommitteeService
from review_svc.service_layer.committee_deadlines import VerdictDeadlines
from review_svc.service_layer.deadlines import DeadlineScanner
from review_svc.service_layer.departments import DepartmentService


@dataclass
class Components:
    """What the app is made of; tests reach handlers and the scanner through it."""

    runtime: Runtime
    service: CaseService
    consumer: EventConsumer
    scanner: DeadlineScanner
    departments: DepartmentService | None = None
    agency_consumer: EventConsumer | None = None
    committee: CommitteeService | None = None


def build_app(settings: ServiceSettings, *, clock: Clock | None = None) -> FastAPI:
    rt = create_runtime(settings, clock)  # tests pin time; production uses the runtime's clock
    departments = DepartmentRepository(rt.db)
    cases = CaseRepository(rt.db)
    service = CaseService(rt.store, cases, departments)
    scanner = DeadlineScanner(rt.store, cases, rt.clock)

    consumer = rt.consumer("milestones")
    register_handlers(consumer, service)
    rt.every(settings.scheduler_interval_s, scanner.scan, "review-deadlines")
    department_service = DepartmentService(rt.store, departments)
    agency_consumer = rt.consumer("agencies")
    register_agency_handlers(agency_consumer, department_service)

    case_facts = CaseFactsReader(rt.db)
    committee_repo = CommitteeRepository(rt.db)
    committee = CommitteeService(rt.store, committee_repo, cases, departments, service)
    register_committee_handlers(rt.consumer("decisions"), committee)
    verdicts = VerdictDeadlines(rt.store, committee_repo, rt.clock)
    rt.every(settings.scheduler_interval_s, verdicts.scan, "committee-deadlines")

    async def prepare(_: Runtime) -> None:
        await departments.ensure_indexes()
        await case_facts.ensure_indexes()
        await cases.ensure_indexes()
        await committee_repo.ensure_indexes()
        await departments.upsert_all(SEOUL_DEPARTMENTS)
        await departments.seed_map(legacy_map(AGENCY, SEOUL_DEPARTMENTS, DEFAULT_DEPARTMENT_ID), rt.clock.now())

    app = create_app(
        rt,
        [
            build_router(service, settings.default_agency, rt.cursors),
            build_departments_router(department_service),
            build_stats_router(case_facts, rt.clock),
            build_committee_router(committee, rt.clock),
        ],
        on_start=[prepare],
        title="review-svc",
        description="Review cases (부서검토), the committee (제안실현위원회), execution (실행)",
    )
    app.state.components = Components(rt, service, consumer, scanner, department_service, agency_consumer, committee)
    return app
