"""python -m proposal_svc — configured by the environment only."""

from __future__ import annotations

import os

from gongnon_chassis.runtime import serve
from proposal_svc.bootstrap import ProposalSettings, build_app


def main() -> None:
    s = ProposalSettings() if os.environ.get("SERVICE_NAME") else ProposalSettings(SERVICE_NAME="proposal-svc")
    serve(build_app(s), s)


if __name__ == "__main__":
    main()
