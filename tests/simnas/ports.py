"""Ports for the simulated NAS and the tests, taken without races on a machine shared by concurrent runs.

A port is taken one of two ways:
- a server of our own binds port 0 and reads its port back (simnas.server.RunningServer); Docker may pick a
  container's published port the same way;
- a port that another program binds later (nginx's frontend listeners, the NAS's sshd, the sync server's host port
  that a role publishes) is RESERVED here: drawn from RANGE, below the kernel's ephemeral range (so no outgoing
  connection and no bind(0) of any program takes it meanwhile), free when drawn, and held by an abstract Unix socket
  named after it (`@ankinas-port-PORT`), which no other process can bind while the holder lives. Every checkout and
  every run use the same names, so two runs never draw the same port; a reservation ends with its process (or
  release()), and leaves no file anywhere.

A reservation is held by the process that made it, and by the children that inherit its socket (pass_fds=, see
Reservation.fileno), e.g. the simulated DSM that will start nginx on a reserved port long after the supervisor that
reserved it has exited.

    python -m simnas.ports run NAME... -- COMMAND...   # COMMAND with NAME=PORT for each NAME, held while it runs
"""

import os
import random
import socket
import sys

#: where reserved ports are drawn from: below the ephemeral range (32768-60999 on Linux), above the demo's ports
RANGE = (20000, 32767)
#: fixed ports in RANGE of `make demo` (the sync server) and of earlier molecule scenarios (other checkouts)
FIXED = frozenset({27701, 27711, 27712, 27713})
PREFIX = b"\0ankinas-port-"

_held = {}


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _free_now(port):
    """True when nothing listens on (or is bound to) port on any IPv4 address or on the IPv6 wildcard."""
    for family, address in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):  # noqa: S104 - a probe
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.bind((address, port))
        except OSError as error:
            if family == socket.AF_INET6 and error.errno in (97, 99):  # no IPv6 here
                continue
            return False
    return True


class Reservation:
    """A reserved port: held until release() or the end of the process (and of the children holding fileno())."""

    def __init__(self, port, holder):
        self.port = port
        self._holder = holder

    def fileno(self):
        return self._holder.fileno()

    def release(self):
        _held.pop(self.port, None)
        self._holder.close()

    def __int__(self):
        return self.port


def reserve(attempts=500):
    """A Reservation of a port of RANGE that is free now and that no other process holds."""
    high = min(RANGE[1], _ephemeral_low() - 1)
    for _attempt in range(attempts):
        port = random.randint(RANGE[0], high)
        if port in FIXED or port in _held:
            continue
        holder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            holder.bind(PREFIX + str(port).encode())
        except OSError:  # another process holds it
            holder.close()
            continue
        if not _free_now(port):
            holder.close()
            continue
        reservation = Reservation(port, holder)
        _held[port] = reservation
        return reservation
    raise RuntimeError(f"no free port to reserve in {RANGE[0]}-{high} after {attempts} attempts")


def free_port():
    """A reserved port (see reserve()), held for the rest of this process's life."""
    return reserve().port


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or argv[0] != "run" or "--" not in argv:
        sys.exit("usage: python -m simnas.ports run NAME... -- COMMAND...")
    split = argv.index("--")
    names, command = argv[1:split], argv[split + 1 :]
    reservations = {name: reserve() for name in names}
    env = dict(os.environ, **{name: str(reservation.port) for name, reservation in reservations.items()})
    # exec keeps the reservations: their sockets are inherited by the command (not close-on-exec).
    for reservation in reservations.values():
        os.set_inheritable(reservation.fileno(), True)
    os.execvpe(command[0], command, env)  # noqa: S606 - the command as given, no shell


if __name__ == "__main__":
    main()
