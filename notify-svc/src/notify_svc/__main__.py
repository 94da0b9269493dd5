"""python -m notify_svc — configured by the environment only."""

from gongnon_chassis.runtime import run
from notify_svc.bootstrap import build_app
from notify_svc.settings import NotifySettings

if __name__ == "__main__":
    run(build_app, NotifySettings, "notify-svc")
