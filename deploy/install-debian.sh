#!/bin/bash
# Install Kiosque's site server on a Debian 12 machine, as root, from a copy of the repository:
#   sudo bash deploy/install-debian.sh [KIOSK_URL]
# Idempotent: run it again after an upgrade (git pull); migrations run at the next start.
set -euo pipefail

SOURCE="$(cd "$(dirname "$0")/.." && pwd)"
TARGET=/opt/kiosque

# Python, Node (htmx comes from npm at install), gettext, the kiosk browser and the fonts of
# every script residents read (Latin, Cyrillic, Arabic, Ethiopic, Tamil, Bengali: noto-core;
# Chinese: noto-cjk).
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-venv make nodejs npm gettext \
  curl chromium fonts-noto-core fonts-noto-cjk

id kiosque >/dev/null 2>&1 || useradd --system --home /var/lib/kiosque --shell /usr/sbin/nologin kiosque
install -d -o kiosque -g kiosque -m 0750 /var/lib/kiosque
install -d -m 0755 /etc/kiosque
[ -f /etc/kiosque/kiosque.env ] || printf 'KIOSK_HOST=127.0.0.1\nKIOSK_PORT=8080\n' > /etc/kiosque/kiosque.env

if [ "$SOURCE" != "$TARGET" ]; then
  mkdir -p "$TARGET"
  cp -a "$SOURCE/." "$TARGET/"
fi
cd "$TARGET"
make install

install -m 0644 deploy/kiosque.service deploy/kiosque-backup.service deploy/kiosque-backup.timer \
  /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now kiosque.service kiosque-backup.timer

# The kiosk browser may open the site and the flows' official sites, nothing else.
install -d /etc/chromium/policies/managed
KIOSK_DATA_DIR=/var/lib/kiosque runuser -u kiosque -- .venv/bin/flask --app app kiosk browser-policy \
  --site-url "${1:-http://127.0.0.1:8080}" > /etc/chromium/policies/managed/kiosque.json

echo "Kiosque is running: curl http://127.0.0.1:8080/healthz"
echo "Next: a 'kiosk' desktop account with automatic login, and deploy/kiosk-browser.service (README)."
