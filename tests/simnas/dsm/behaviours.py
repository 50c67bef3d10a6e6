"""Where a real DSM is slow, lossy or odd, and how the simulated DSM copies it: the real-DSM behaviours.

Each behaviour is declared next to the API it belongs to (as declare_api() declares the API), with the
value it takes on a real DSM, the value that turns it off, and the public evidence for it:

    BUILD_PULL = behaviour(
        "project_build_seconds", real=6.0, off=0.0,
        source="pvulgaris/synology-cli docs/dsm-api-quirks.md (DSM 7.3 / Container Manager 24.0.2)",
        what="SYNO.Docker.Project build pulls the image inside the request",
    )
    ... later, in a handler: seconds = ctx.sim.behaviours[BUILD_PULL]

Every behaviour is on by default (the real-DSM personality): the demo, molecule and the playbook tests meet
DSM as clients that ran on a real NAS saw it. A focused test tunes or turns one off with
Simulator(behaviours={name: value}), the CLI's --behaviour NAME=VALUE, or POST /_sim/behaviours {name: value}
at run time; Simulator(real_dsm=False) (CLI --no-real-dsm) turns every one off, for a test that says why.
GET /_sim/behaviours lists them with their values, sources and descriptions.
"""

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Behaviour:
    name: str
    #: the value on a real DSM (the default)
    real: object
    #: the value that turns the behaviour off
    off: object
    #: the public evidence: repository : path (function), and what the source says it ran against
    source: str
    #: what DSM does, in a sentence
    what: str


#: every declared behaviour, by name
BEHAVIOURS = {}


def behaviour(name, real, off, source, what):
    """Declare a real-DSM behaviour; returns its name, which handlers look up in sim.behaviours."""
    if name in BEHAVIOURS:
        raise ValueError(f"behaviour {name} is declared twice")
    BEHAVIOURS[name] = Behaviour(name, real, off, source, what)
    return name


class Behaviours:
    """The values one simulated DSM runs with."""

    def __init__(self, real_dsm=True, overrides=None):
        self.values = {name: spec.real if real_dsm else spec.off for name, spec in BEHAVIOURS.items()}
        self.set(overrides or {})

    def __getitem__(self, name):
        return self.values[name]

    def set(self, values):
        unknown = sorted(set(values) - set(BEHAVIOURS))
        if unknown:
            raise KeyError(
                "unknown real-DSM behaviour(s): {}; known: {}".format(", ".join(unknown), ", ".join(sorted(BEHAVIOURS)))
            )
        for name, value in values.items():
            self.values[name] = BEHAVIOURS[name].off if value is None else value

    def describe(self):
        return {
            name: {
                "value": self.values[name],
                "real": spec.real,
                "off": spec.off,
                "source": spec.source,
                "what": spec.what,
            }
            for name, spec in sorted(BEHAVIOURS.items())
        }


def parse_assignment(text):
    """NAME=VALUE from the command line; VALUE is a JSON literal (6, 0.5, true) or else a string."""
    name, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"--behaviour wants NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value
