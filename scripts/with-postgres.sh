#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster.
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# Creates a cluster in a fresh temporary directory, listening only on 127.0.0.1 on a free
# port (its unix socket inside that directory), with durability switched off for speed;
# creates a role and a database `riep_test` with a generated password; exports
#   DATABASE_URL=postgres://riep_test:<password>@127.0.0.1:<port>/riep_test
# runs the command, then ALWAYS stops the server and removes the directory (trap on EXIT,
# also on failure or Ctrl-C) and exits with the command's exit code.
#
# As root (CI, the dev machines) the server runs as the `postgres` user through runuser,
# since initdb refuses to run as root; as any other user it runs as that user.
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PYTHON="${PYTHON:-python3}"
DB_NAME=riep_test
DB_USER=riep_test

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
for tool in initdb pg_ctl psql; do
  if [[ ! -x "$PG_BIN/$tool" ]]; then
    echo "with-postgres: $PG_BIN/$tool not found (scripts/ensure-system-packages.sh test)" >&2
    exit 1
  fi
done

as_pg=()
if [[ "$(id -u)" -eq 0 ]]; then
  as_pg=("$(command -v runuser || echo /usr/sbin/runuser)" -u postgres --)
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/riep-pg.XXXXXXXX")"
data="$tmp/data"
sock="$tmp/socket"
log="$tmp/server.log"

# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [[ -f "$data/postmaster.pid" ]]; then
    # fast: roll back open transactions, close connections, no checkpoint needed (fsync off).
    "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 20 stop >/dev/null 2>&1 \
      || "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 10 stop >/dev/null 2>&1 \
      || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
# Turn signals into a normal exit so the EXIT trap runs (exit code 128 + signal number).
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$sock"
chmod 700 "$tmp"
if [[ ${#as_pg[@]} -gt 0 ]]; then
  chown -R postgres: "$tmp"
fi

"${as_pg[@]}" "$PG_BIN/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
  --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$tmp/initdb.log" 2>&1 || {
  cat "$tmp/initdb.log" >&2
  exit 1
}

free_port() {
  "$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Another process may take the port between our look and the server's bind: try again then.
started=
for _attempt in 1 2 3; do
  port="$(free_port)"
  if "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 30 -s start -o \
    "-c listen_addresses=127.0.0.1 -p $port -k '$sock' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; then
    started=1
    break
  fi
done
if [[ -z "$started" ]]; then
  echo "with-postgres: the server did not start; its log:" >&2
  cat "$log" >&2 || true
  exit 1
fi

password="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(24))')"
# Over the unix socket (trust, and only the postgres user can reach that directory).
"${as_pg[@]}" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres \
  -d postgres >/dev/null <<SQL
CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE $DB_NAME OWNER $DB_USER;
SQL

export DATABASE_URL="postgres://$DB_USER:$password@127.0.0.1:$port/$DB_NAME"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($tmp)" >&2

# Not exec: the trap has to run afterwards. Keep the command's own exit code.
set +e
"$@"
rc=$?
set -e
exit "$rc"
