"""python -m notify_svc"""

from __future__ import annotations

import os

from gongnon_chassis.runtime import serve
from notify_svc.bootstrap import build_app
from notify_svc.settings import NotifySettings


def main() -> None:
    settings = NotifySettings() if os.environ.get("SERVICE_NAME") else NotifySettings(SERVICE_NAME="notify-svc")
    serve(build_app(settings), settings)


if __name__ == "__main__":
    main()
