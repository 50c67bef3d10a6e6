"""The simulated Portainer CE API: see simnas.portainer.app; `python -m simnas.portainer` runs it."""

from simnas.portainer.app import SimConfig, create_app

__all__ = ["SimConfig", "create_app"]
