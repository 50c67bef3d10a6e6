"""The simulated DSM Web API server of the simulated NAS (see simnas.dsm.app)."""

from simnas.dsm.app import Simulator, create_app

__all__ = ["Simulator", "create_app"]
