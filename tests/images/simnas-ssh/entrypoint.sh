#!/bin/sh
# simnas-ssh PORT: makes the administrator SIMNAS_ADMIN (password SIMNAS_ADMIN_PASSWORD), then runs sshd on
# 127.0.0.1:PORT in the foreground with the host key mounted at /etc/ssh/simnas/ssh_host_ed25519_key.
# simnas-ssh none: a NAS whose SSH service is off: no sshd (and no administrator unless SIMNAS_ADMIN is set); the
# container only stays up, for the root scripts the simulated Task Scheduler runs in it (docker exec).
set -eu
port=$1
if [ -n "${SIMNAS_ADMIN:-}" ]; then
  useradd --uid 1026 --gid users --groups administrators --no-create-home \
    --home-dir "/var/services/homes/$SIMNAS_ADMIN" --shell /bin/sh "$SIMNAS_ADMIN"
  printf '%s:%s\n' "$SIMNAS_ADMIN" "$SIMNAS_ADMIN_PASSWORD" | chpasswd
fi
unset SIMNAS_ADMIN_PASSWORD
if [ "$port" = none ]; then
  exec sleep infinity
fi
exec /usr/sbin/sshd -D -e -p "$port" -o ListenAddress=127.0.0.1 \
  -o HostKey=/etc/ssh/simnas/ssh_host_ed25519_key -o PermitRootLogin=no -o PasswordAuthentication=yes \
  -o UsePAM=yes -o PidFile=none
