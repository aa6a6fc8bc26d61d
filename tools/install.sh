#!/usr/bin/env bash
# Installs livechat on a fresh Debian or Ubuntu server: PostgreSQL, a
# system user, a database reached over the local socket (no password), the
# binary, an environment file and a hardened systemd unit. Safe to run again:
# it keeps an existing database and configuration and only replaces the
# binary and the unit (an upgrade).
#
#   sudo tools/install.sh --domain chat.example.com --email you@example.com
#   sudo tools/install.sh --behind-proxy            # nginx/Caddy in front, listens on 127.0.0.1:8080
#   tools/install.sh --dry-run --domain chat.example.com   # print every command, run nothing
#
# See docs/deploy.md for what each step does and for running several
# instances.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: install.sh [options]

  --domain NAME       serve HTTPS on :443 with automatic Let's Encrypt certificates for NAME
                      (its DNS must point at this server; ports 80 and 443 must be open)
  --email ADDRESS     contact address for certificate expiry notices (with --domain)
  --behind-proxy      plain HTTP on 127.0.0.1:8080 for a reverse proxy on this machine
  --binary PATH       the livechat binary to install (default: bin/livechat, or ./livechat)
  --no-start          install and enable, but do not start the service
  --dry-run           print every command instead of running it
  -h, --help          this help

Without --domain or --behind-proxy, livechat serves plain HTTP on :8080.
USAGE
}

DRY_RUN=0 DOMAIN="" EMAIL="" BEHIND_PROXY=0 BINARY="" START=1

while [ $# -gt 0 ]; do
  case "$1" in
    --domain) DOMAIN=${2:?--domain needs a name}; shift 2 ;;
    --domain=*) DOMAIN=${1#*=}; shift ;;
    --email) EMAIL=${2:?--email needs an address}; shift 2 ;;
    --email=*) EMAIL=${1#*=}; shift ;;
    --behind-proxy) BEHIND_PROXY=1; shift ;;
    --binary) BINARY=${2:?--binary needs a path}; shift 2 ;;
    --binary=*) BINARY=${1#*=}; shift ;;
    --no-start) START=0; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

die() { echo "install.sh: $*" >&2; exit 1; }

if [ -n "$DOMAIN" ] && [ "$BEHIND_PROXY" = 1 ]; then
  die "--domain (livechat does HTTPS itself) and --behind-proxy (a proxy does) exclude each other"
fi
if [ -n "$DOMAIN" ] && ! [[ "$DOMAIN" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}$ ]]; then
  die "--domain wants a bare domain name such as chat.example.com, not '$DOMAIN'"
fi
if [ -n "$EMAIL" ] && [ -z "$DOMAIN" ]; then
  die "--email is for certificate notices; it needs --domain"
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "$BINARY" ]; then
  for candidate in "$here/../bin/livechat" "$here/livechat" ./livechat; do
    if [ -x "$candidate" ]; then BINARY=$candidate; break; fi
  done
fi

# Every command goes through run: printed in dry-run mode, executed otherwise.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

# write_file PATH MODE OWNER: writes stdin to PATH (printed in dry-run mode).
write_file() {
  local path=$1 mode=$2 owner=$3 content
  content=$(cat)
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ write %s (mode %s, owner %s):\n' "$path" "$mode" "$owner"
    printf '%s\n' "$content" | sed 's/^/|   /'
    return
  fi
  local tmp
  tmp=$(mktemp "$path.XXXXXX")
  printf '%s\n' "$content" >"$tmp"
  chmod "$mode" "$tmp"
  chown "$owner" "$tmp"
  mv "$tmp" "$path"
}

# exists CMD...: runs a read-only check; in dry-run mode it is printed and
# taken as "no", so the output shows every step a fresh server gets.
exists() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ (check)'; printf ' %q' "$@"; printf '\n'
    return 1
  fi
  "$@" >/dev/null 2>&1
}

# pg_has SQL: whether the query (run as the postgres superuser) returns 1;
# printed and taken as "no" in dry-run mode.
pg_has() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ (check) runuser -u postgres -- psql -tAc %q postgres\n' "$1"
    return 1
  fi
  [ "$(runuser -u postgres -- psql -tAc "$1" postgres)" = 1 ]
}

step() { printf '\n==> %s\n' "$*"; }

if [ "$DRY_RUN" = 0 ]; then
  [ "$(id -u)" = 0 ] || die "run as root (sudo), or with --dry-run to see what it would do"
  command -v apt-get >/dev/null || die "this script is for Debian and Ubuntu (apt-get not found); see docs/deploy.md for other systems"
  command -v systemctl >/dev/null || die "systemd is required"
  [ -n "$BINARY" ] && [ -x "$BINARY" ] || die "no livechat binary found; build it with 'make build' or pass --binary PATH"
  "$BINARY" version >/dev/null || die "$BINARY does not run on this machine"
  BINARY=$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")
  # psql as postgres would complain about a current directory it cannot read.
  cd /
else
  echo "# dry run: nothing is changed"
  BINARY=${BINARY:-bin/livechat}
fi

step "PostgreSQL"
run apt-get update -q
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql ca-certificates
run systemctl enable --now postgresql
# livechat needs PostgreSQL 15 or newer (Debian 12, Ubuntu 24.04); older
# releases ship 13 or 14.
if [ "$DRY_RUN" = 1 ]; then
  printf '+ (check) PostgreSQL is 15 or newer\n'
else
  pg_version=$(runuser -u postgres -- psql -tAc 'SHOW server_version_num' postgres)
  [ "${pg_version:-0}" -ge 150000 ] || die "PostgreSQL $(runuser -u postgres -- psql -tAc 'SHOW server_version' postgres) is too old: livechat needs 15 or newer. Use Debian 12 or Ubuntu 24.04, or install postgresql-15 (or newer) from apt.postgresql.org and run this script again"
fi

step "system user livechat"
if ! exists id -u livechat; then
  run useradd --system --home-dir /var/lib/livechat --no-create-home --shell /usr/sbin/nologin livechat
fi

step "database livechat, owned by the role livechat (peer authentication over the local socket: no password)"
if ! pg_has "SELECT 1 FROM pg_roles WHERE rolname = 'livechat'"; then
  run runuser -u postgres -- psql -v ON_ERROR_STOP=1 -c "CREATE ROLE livechat LOGIN" postgres
fi
if ! pg_has "SELECT 1 FROM pg_database WHERE datname = 'livechat'"; then
  run runuser -u postgres -- createdb --owner=livechat --encoding=UTF8 livechat
fi

step "binary"
run install -m 0755 -o root -g root "$BINARY" /usr/local/bin/livechat

step "configuration /etc/livechat/livechat.env"
run install -d -m 0750 -o root -g livechat /etc/livechat
if [ -n "$DOMAIN" ]; then
  net_config="# HTTPS with automatic certificates; :80 redirects and answers the ACME challenge.
LIVECHAT_TLS_DOMAIN=$DOMAIN
LIVECHAT_TLS_EMAIL=$EMAIL
LIVECHAT_TLS_CACHE_DIR=/var/lib/livechat/certs"
elif [ "$BEHIND_PROXY" = 1 ]; then
  net_config="# Plain HTTP for the reverse proxy on this machine, which terminates TLS.
LIVECHAT_LISTEN=127.0.0.1:8080
LIVECHAT_TRUSTED_PROXIES=127.0.0.1,::1
# Set to the address browsers use, e.g. https://chat.example.com
LIVECHAT_PUBLIC_URL="
else
  net_config="LIVECHAT_LISTEN=:8080"
fi
if exists test -e /etc/livechat/livechat.env; then
  echo "kept the existing /etc/livechat/livechat.env"
else
  write_file /etc/livechat/livechat.env 0640 root:livechat <<ENV
# livechat serve reads this file (systemd EnvironmentFile). Every variable is
# listed by 'livechat serve --help' and in docs/deploy.md.
DATABASE_URL=postgres:///livechat?host=/var/run/postgresql
$net_config
LIVECHAT_LOG_FORMAT=json
LIVECHAT_SHUTDOWN_TIMEOUT=15s
# Prometheus metrics on a private address instead of the public listener:
LIVECHAT_METRICS_LISTEN=127.0.0.1:9464
ENV
fi

step "systemd unit /etc/systemd/system/livechat.service"
write_file /etc/systemd/system/livechat.service 0644 root:root <<'UNIT'
[Unit]
Description=livechat customer-support chat
Documentation=https://github.com/opensupport/livechat/blob/main/docs/deploy.md
After=network-online.target postgresql.service
Wants=network-online.target

[Service]
Type=exec
User=livechat
Group=livechat
EnvironmentFile=/etc/livechat/livechat.env
ExecStart=/usr/local/bin/livechat serve
# Graceful stop: streams end with "reconnect", calls in flight finish.
KillSignal=SIGTERM
TimeoutStopSec=30s
Restart=on-failure
RestartSec=2s
# /var/lib/livechat: certificates (and nothing else; data is in PostgreSQL).
StateDirectory=livechat
StateDirectoryMode=0700
WorkingDirectory=/var/lib/livechat
LimitNOFILE=65536
# Bind :80 and :443 without running as root.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
PrivateDevices=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectKernelLogs=true
ProtectControlGroups=true
ProtectClock=true
ProtectHostname=true
ProtectProc=invisible
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=true
RestrictRealtime=true
RestrictSUIDSGID=true
LockPersonality=true
MemoryDenyWriteExecute=true
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged
UMask=0077

[Install]
WantedBy=multi-user.target
UNIT

step "service"
run systemctl daemon-reload
if [ "$START" = 1 ]; then
  run systemctl enable livechat
  # restart, not start: on a re-run this is the upgrade (migrations apply at start).
  run systemctl restart livechat
else
  run systemctl enable livechat
fi

if [ -n "$DOMAIN" ]; then
  url="https://$DOMAIN"
elif [ "$BEHIND_PROXY" = 1 ]; then
  url="your proxy's address (set LIVECHAT_PUBLIC_URL in /etc/livechat/livechat.env)"
else
  url="http://<this server>:8080"
fi
cat <<DONE

Done. Open $url and create the first admin.
  status:  systemctl status livechat
  logs:    journalctl -u livechat -f
  config:  /etc/livechat/livechat.env (then: systemctl restart livechat)
DONE
