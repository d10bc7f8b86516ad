#!/usr/bin/env bash
# Run commands side by side, and stop them together.
#
#   scripts/supervise.sh NAME 'COMMAND' [NAME 'COMMAND' ...]
#
# `make run` runs the web server and the task worker with it:
#
#   scripts/supervise.sh web '.venv/bin/python manage.py runserver 127.0.0.1:8000' \
#                        worker '.venv/bin/python manage.py db_worker'
#
# * Each COMMAND runs through bash in its own process group (job control, `set -m`), so that
#   stopping it stops everything it started too (runserver's autoreloader serves from a child
#   process).
# * When any command exits, whatever the reason, the others are stopped and this script exits
#   with that command's status: a web server that cannot start does not leave a worker
#   behind, and a worker that dies does not leave a site whose PDFs never come.
# * Ctrl-C (SIGINT), SIGTERM and SIGHUP stop them all; the script then exits 130, 143 or 129.
# * Stopping is SIGTERM to each process group, then SIGKILL to whatever is left after
#   STOP_GRACE seconds (default 10: the worker finishes the task in hand if it can). A second
#   Ctrl-C kills at once.
#
# For production, use a real process manager instead (systemd: docs/operations.md).
set -uo pipefail

if (($# == 0 || $# % 2)); then
  echo "usage: $0 NAME 'COMMAND' [NAME 'COMMAND' ...]" >&2
  exit 2
fi
if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] < 501)); then
  echo "supervise: needs bash 5.1 or later (wait -n -p); this is $BASH_VERSION" >&2
  exit 2
fi
grace="${STOP_GRACE:-10}"
export PYTHONUNBUFFERED=1 # the commands' output as it comes, not in blocks

set -m # job control: every background job gets its own process group
names=()
pids=()
stopping=0

kill_groups() { # SIGNAL: to every command's process group
  local pid
  for pid in "${pids[@]}"; do
    kill "-$1" -- "-$pid" 2>/dev/null || true
  done
}

stop_all() {
  stopping=1
  kill_groups TERM
  # A timer, itself a job of its own, kills what did not stop in time.
  (
    sleep "$grace"
    kill_groups KILL
  ) &
  local timer=$!
  wait "${pids[@]}" 2>/dev/null
  kill -- "-$timer" 2>/dev/null
  wait "$timer" 2>/dev/null
}

on_signal() { # EXIT_STATUS
  if ((stopping)); then # asked again while stopping: no more waiting
    kill_groups KILL
    exit "$1"
  fi
  echo "supervise: stopping ${names[*]}" >&2
  stop_all
  exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

while (($#)); do
  names+=("$1")
  bash -c "$2" </dev/null &
  pids+=("$!")
  echo "supervise: started $1 (pid $!): $2" >&2
  shift 2
done

wait -n -p finished "${pids[@]}"
status=$?
for i in "${!pids[@]}"; do
  if [[ "${pids[$i]}" == "${finished:-}" ]]; then
    echo "supervise: ${names[$i]} exited with status $status: stopping the others" >&2
  fi
done
stop_all
exit "$status"
