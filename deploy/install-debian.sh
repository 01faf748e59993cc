#!/bin/bash
# Install Kiosque's site server on a Debian 12 machine, as root, from a copy of the repository:
#   sudo bash deploy/install-debian.sh [KIOSK_URL]
# Idempotent: run it again after an upgrade (git pull); migrations run at the next start.
set -euo pipefail

SOURCE="$(cd "$(dirname "$0")/.." && pwd)"
TARGET=/opt/kiosque

# Python, Node (htmx comes from npm at install), gettext, the kiosk browser (with its setuid
# sandbox: where the kernel refuses unprivileged user namespaces, Chromium will not start without
# it) and the fonts of every script residents read (Latin, Cyrillic, Arabic, Ethiopic, Tamil,
# Bengali: noto-core; Chinese: noto-cjk).
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-venv make nodejs npm gettext \
  curl chromium chromium-sandbox fonts-noto-core fonts-noto-cjk

id kiosque >/dev/null 2>&1 || useradd --system --home /var/lib/kiosque --shell /usr/sbin/nologin kiosque
install -d -o kiosque -g kiosque -m 0750 /var/lib/kiosque
install -d -m 0755 /etc/kiosque
[ -f /etc/kiosque/kiosque.env ] || printf 'KIOSK_HOST=127.0.0.1\nKIOSK_PORT=8080\n' > /etc/kiosque/kiosque.env

if [ "$SOURCE" != "$TARGET" ]; then
  mkdir -p "$TARGET"
  cp -a "$SOURCE/." "$TARGET/"
fi
cd "$TARGET"
make install EXTRAS=  # what the server needs, not the tests' tools (browser drivers, fuzzers)

install -d /etc/systemd/system
install -m 0644 deploy/kiosque.service deploy/kiosque-backup.service deploy/kiosque-backup.timer \
  /etc/systemd/system/
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now kiosque.service kiosque-backup.timer
else
  # Preparing a disk image (a chroot): enable the units for its first boot, start nothing now
  # (the links `systemctl enable` would make).
  install -d /etc/systemd/system/multi-user.target.wants /etc/systemd/system/timers.target.wants
  ln -sf /etc/systemd/system/kiosque.service /etc/systemd/system/multi-user.target.wants/
  ln -sf /etc/systemd/system/kiosque-backup.timer /etc/systemd/system/timers.target.wants/
  echo "systemd is not running here: kiosque.service and kiosque-backup.timer start at the next boot."
fi

# The kiosk browser may open the site and the flows' official sites, nothing else.
install -d /etc/chromium/policies/managed
KIOSK_DATA_DIR=/var/lib/kiosque runuser -u kiosque -- .venv/bin/flask --app app kiosk browser-policy \
  --site-url "${1:-http://127.0.0.1:8080}" > /etc/chromium/policies/managed/kiosque.json

[ -d /run/systemd/system ] && echo "Kiosque is running: curl http://127.0.0.1:8080/healthz"
echo "Next: a 'kiosk' desktop account with automatic login, and deploy/kiosk-browser.service (README)."
