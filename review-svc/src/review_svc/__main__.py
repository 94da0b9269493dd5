"""python -m review_svc"""

from __future__ import annotations

import os

from gongnon_chassis.runtime import serve
from gongnon_chassis.settings import ServiceSettings
from review_svc.bootstrap import build_app


def main() -> None:
    settings = ServiceSettings() if os.environ.get("SERVICE_NAME") else ServiceSettings(SERVICE_NAME="review-svc")
    serve(build_app(settings), settings)


if __name__ == "__main__":
    main()
