"""python -m gongnon_gateway — configured by the environment only."""

from gongnon_chassis.runtime import run
from gongnon_gateway.bootstrap import build_app
from gongnon_gateway.core.config import GatewaySettings

if __name__ == "__main__":
    run(build_app, GatewaySettings, "gateway")
