"""python -m voting_svc — configured by the environment only."""

from gongnon_chassis.runtime import run
from voting_svc.bootstrap import VotingSettings, build_app

if __name__ == "__main__":
    run(build_app, VotingSettings, "voting-svc")
