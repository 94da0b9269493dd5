"""python -m gongnon_gateway — configured only by the environment."""

from gongnon_chassis.runtime import serve
from gongnon_gateway.bootstrap import build_app
from gongnon_gateway.core.config import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    serve(build_app(settings), settings)


if __name__ == "__main__":
    main()
