#!/usr/bin/env bash
# Install Debian packages with apt, waiting (and saying so) while another apt or dpkg run holds its
# locks, as on a fresh cloud machine whose automatic updates are still running.
# Usage: scripts/apt-install.sh PACKAGE...   APT_LOCK_WAIT=seconds (default 600) bounds the wait.
set -euo pipefail

APT_LOCK_WAIT="${APT_LOCK_WAIT:-600}"
LOCKS=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# One line per lock another process holds: "process PID (NAME) holds FILE". apt and dpkg take
# fcntl locks, which /proc/locks lists by inode; waiters ("->" lines) are not holders.
lock_holders() {
  local lock inode pid name
  for lock in "${LOCKS[@]}"; do
    [ -e "$lock" ] || continue
    inode=$(stat -c %i "$lock")
    for pid in $(awk -v ino="$inode" '$2 != "->" { n = split($6, id, ":"); if (id[n] == ino) print $5 }' \
                 /proc/locks 2>/dev/null | sort -u); do
      name=$(cat "/proc/$pid/comm" 2>/dev/null || echo "unknown")
      [ "$pid" = "-1" ] && echo "another process holds $lock" || echo "process $pid ($name) holds $lock"
    done
  done
}

# Wait until no apt/dpkg lock is held, at most APT_LOCK_WAIT seconds in all, saying what it waits for.
wait_for_locks() {
  local holders start=$SECONDS
  holders=$(lock_holders)
  [ -z "$holders" ] && return 0
  echo "setup: another package manager run is busy, waiting up to ${APT_LOCK_WAIT}s for it to finish:"
  echo "$holders" | sed 's/^/setup:   /'
  while [ -n "$(lock_holders)" ]; do
    if ((SECONDS - start >= APT_LOCK_WAIT)); then
      echo "setup: gave up after ${APT_LOCK_WAIT}s waiting for the apt/dpkg lock; run 'make setup' again once" \
           "it is free (or set APT_LOCK_WAIT=seconds to wait longer)" >&2
      return 1
    fi
    sleep 1
  done
  echo "setup: the apt/dpkg lock is free after $((SECONDS - start))s; going on"
}

# apt-get with its own lock wait too (DPkg::Lock::Timeout covers the dpkg lock only, not apt's lists
# lock, hence wait_for_locks first), for the moment between our check and apt taking the lock.
# Its output goes to $LOG; only a failure shows it.
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
apt_get() {
  wait_for_locks || exit 1
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT" "$@" >"$LOG" 2>&1
}

(($#)) || { echo "usage: $0 PACKAGE..." >&2; exit 2; }
# Install from the package lists there are; only if that fails (no lists yet, or stale ones) refresh them.
if ! apt_get install -y -q --no-install-recommends "$@"; then
  echo "setup: refreshing the package lists"
  if ! apt_get update -q || ! apt_get install -y -q --no-install-recommends "$@"; then
    tail -n 20 "$LOG" >&2
    echo "setup: could not install $*; the apt output is above" >&2
    exit 1
  fi
fi
