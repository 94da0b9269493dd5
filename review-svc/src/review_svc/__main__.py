"""python -m review_svc — configured by the environment only."""

from gongnon_chassis.runtime import run
from gongnon_chassis.settings import ServiceSettings
from review_svc.bootstrap import build_app

if __name__ == "__main__":
    run(build_app, ServiceSettings, "review-svc")
