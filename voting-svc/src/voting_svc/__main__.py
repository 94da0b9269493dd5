"""`python -m voting_svc`: configured by the environment only."""

from __future__ import annotations

import os

from gongnon_chassis.runtime import serve
from voting_svc.bootstrap import VotingSettings, build_app


def main() -> None:
    settings = VotingSettings(SERVICE_NAME=os.environ.get("SERVICE_NAME") or "voting-svc")
    serve(build_app(settings), settings)


if __name__ == "__main__":
    main()
