#!/bin/sh
# Like the upstream entrypoint: the port and the data folder are fixed (values from the environment are
# ignored), a user anki with uid PUID in group anki-group with gid PGID is created, /anki_data (only the
# folder itself, not its contents) is handed to it, and the server runs as that user.
set -eu
export SYNC_PORT=8080
export SYNC_BASE=/anki_data
PUID=${PUID:-1000}
PGID=${PGID:-1000}

# It must start as root (as upstream). A restarted container keeps its /etc: the group and user are made
# once. A gid or uid the image already uses (e.g. PGID=100, group "users") makes groupadd/useradd fail.
getent group anki-group >/dev/null || groupadd -g "$PGID" anki-group
getent passwd anki >/dev/null || useradd -M -N -u "$PUID" -g anki-group -d /anki_data -s /usr/sbin/nologin anki
mkdir -p /anki_data
chown anki:anki-group /anki_data
exec setpriv --reuid=anki --regid=anki-group --init-groups "$@"
