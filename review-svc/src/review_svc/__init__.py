"""review-svc: departments, department review cases (부서검토), answers, operator approval
(관리자 승인), reassignment (재지정) and deadlines."""
