"""The simulated Portainer resources, one module per family; load_all() imports (and so registers) every one."""

import importlib
import pkgutil


def load_all():
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
