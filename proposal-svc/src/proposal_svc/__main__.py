"""python -m proposal_svc — configured by the environment only."""

from gongnon_chassis.runtime import run
from proposal_svc.bootstrap import ProposalSettings, build_app

if __name__ == "__main__":
    run(build_app, ProposalSettings, "proposal-svc")
