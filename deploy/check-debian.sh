#!/bin/bash
# Check the README's Debian deployment on a fresh Debian 12 system, without a spare PC:
#   sudo bash deploy/check-debian.sh [FOLDER]       (needs debootstrap and systemd-container)
# It bootstraps Debian 12 into FOLDER, runs deploy/install-debian.sh there (a disk image being
# prepared), boots it with systemd-nspawn and checks that the site server starts at boot, comes
# back after a SIGKILL, that the nightly backup runs, that residents' data is readable by the
# server's account only, then opens the kiosk browser (deploy/kiosk-browser) on a virtual screen
# and saves a screenshot. It uses port 8080 of this machine (the container shares its network).
set -euo pipefail

SOURCE="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="${1:-/var/tmp/kiosque-debian}"
URL=http://127.0.0.1:8080
SHOT="$ROOT.png"
step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

for tool in debootstrap systemd-nspawn nsenter curl git; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install debootstrap systemd-container)"
done
if curl -fs -m 2 -o /dev/null "$URL/healthz"; then fail "something already answers on $URL"; fi

if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  step "debootstrap Debian 12 into $ROOT"
  debootstrap --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian >/dev/null
fi
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# Where TLS is intercepted by a proxy of this machine, the image trusts what this machine trusts.
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/root/host-ca.crt"

mounts=(proc sys dev dev/pts)
cleanup() {
  # Whatever still runs in the image (a server, Xvfb, the browser after a failure) stops first.
  for proc in /proc/[0-9]*; do
    [ "$(readlink "$proc/root" 2>/dev/null)" = "$ROOT" ] && kill "${proc#/proc/}" 2>/dev/null
  done
  sleep 1
  umount "$ROOT/dev/shm" 2>/dev/null || true
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "$ROOT/${mounts[i]}" 2>/dev/null || true; done
  if mount | grep -q " $ROOT/"; then fail "still mounted under $ROOT"; fi
}
trap cleanup EXIT
for m in "${mounts[@]}"; do mount --bind "/$m" "$ROOT/$m"; done
mount -t tmpfs -o mode=1777 tmpfs "$ROOT/dev/shm"
in_root() {
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive PIP_CERT=/root/host-ca.crt NODE_EXTRA_CA_CERTS=/root/host-ca.crt "$@"
}

step "install-debian.sh from the committed code (as the README says)"
rm -rf "$ROOT/root/src" && mkdir -p "$ROOT/root/src"
git -C "$SOURCE" archive HEAD | tar -x -C "$ROOT/root/src"
in_root bash /root/src/deploy/install-debian.sh | tail -n 3
[ -L "$ROOT/etc/systemd/system/multi-user.target.wants/kiosque.service" ] || fail "kiosque.service not enabled"
[ -L "$ROOT/etc/systemd/system/timers.target.wants/kiosque-backup.timer" ] || fail "backup timer not enabled"
grep -q '"URLBlocklist"' "$ROOT/etc/chromium/policies/managed/kiosque.json" || fail "no browser policy"
# (on a folder from an earlier run the .venv keeps what was installed before: start afresh)
[ ! -e "$ROOT/opt/kiosque/.venv/bin/pytest" ] || fail "the tests' tools were installed on the site"
echo "the server's .venv: $(du -sh "$ROOT/opt/kiosque/.venv" | cut -f1)"

step "the kiosk browser opens the site (Xvfb, a 'kiosk' account)"
in_root bash -c 'apt-get install -y -qq --no-install-recommends xvfb imagemagick >/dev/null
  id kiosk >/dev/null 2>&1 || useradd --create-home kiosk'
in_root bash -c 'cd /opt/kiosque && runuser -u kiosque -- env KIOSK_DATA_DIR=/var/lib/kiosque \
  KIOSK_HOST=127.0.0.1 KIOSK_PORT=8080 .venv/bin/python app.py >/tmp/server.log 2>&1 &
  Xvfb :77 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  sleep 1
  runuser -u kiosk -- env DISPLAY=:77 HOME=/home/kiosk KIOSK_URL=http://127.0.0.1:8080/ \
    /opt/kiosque/deploy/kiosk-browser >/tmp/kiosk-browser.log 2>&1 &
  sleep 20
  DISPLAY=:77 import -window root /tmp/kiosk.png
  pgrep -u kiosk -c chromium >/dev/null || { tail -5 /tmp/kiosk-browser.log; exit 1; }
  pkill -u kiosk chromium; pkill Xvfb; pkill -u kiosque python; sleep 2' || fail "kiosk browser"
cp "$ROOT/tmp/kiosk.png" "$SHOT"
echo "screenshot: $SHOT"
cleanup
trap - EXIT

step "boot the image with systemd (systemd-nspawn)"
systemd-nspawn --register=no --keep-unit -q -D "$ROOT" -b >"$ROOT.boot.log" 2>&1 &
NSPAWN=$!
trap 'kill $NSPAWN 2>/dev/null || true; wait $NSPAWN 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fs -m 2 -o /dev/null "$URL/healthz" && break; sleep 1; done
curl -fsS "$URL/healthz" || fail "the site server did not start at boot"
echo
INIT=$(pgrep -P "$NSPAWN" | head -n 1)
inside() { nsenter -t "$INIT" -m -u -i -n -p "$@"; }
inside systemctl is-active kiosque.service kiosque-backup.timer

step "a power cut of the server: SIGKILL, systemd starts it again"
inside systemctl kill -s KILL kiosque.service
sleep 4
curl -fsS "$URL/healthz" || fail "not restarted after SIGKILL"
echo

step "the nightly backup, started now"
inside systemctl start kiosque-backup.service
inside bash -c 'ls /var/lib/kiosque/backups/*.sqlite3' | tail -n 1

step "residents' data readable by the kiosque account only"
mode=$(inside stat -c %a /var/lib/kiosque)
[ "$mode" = 750 ] || fail "/var/lib/kiosque is $mode, not 750"
inside runuser -u kiosk -- cat /var/lib/kiosque/kiosk.sqlite3 >/dev/null 2>&1 \
  && fail "the kiosk account can read the database"
echo "/var/lib/kiosque is 750; the kiosk account cannot read the database"

inside systemctl poweroff >/dev/null 2>&1 || true
wait $NSPAWN 2>/dev/null || true
trap - EXIT
step "PASS: Debian 12 image installed, booted, server up, restarts, backs up, kiosk opens ($SHOT)"
