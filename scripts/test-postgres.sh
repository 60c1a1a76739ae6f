#!/usr/bin/env bash
# Install (if missing) and start Debian's PostgreSQL on loopback, with a role that may create the
# throw-away databases of the test suite. Prints the URL to export as GAWAH_TEST_POSTGRES_URL.
set -euo pipefail
PORT="${GAWAH_PG_PORT:-5432}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "installing PostgreSQL from Debian's packages..." >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
fi

cluster=$(pg_lsclusters --no-header | head -n 1 || true)
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  $SUDO pg_createcluster "$version" main --port "$PORT" >&2
  cluster=$(pg_lsclusters --no-header | head -n 1)
fi
read -r version name port status _ <<<"$cluster"
if [ "$status" != "online" ]; then
  $SUDO pg_ctlcluster "$version" "$name" start >&2
fi
for _ in $(seq 1 30); do
  if $SUDO -u postgres psql -p "$port" -qAtc "SELECT 1" >/dev/null 2>&1 \
     || su postgres -c "psql -p $port -qAtc 'SELECT 1'" >/dev/null 2>&1; then
    break
  fi
  sleep 1
done
run_sql() {
  if [ -n "$SUDO" ]; then sudo -u postgres psql -p "$port" -qAtc "$1"; else su postgres -c "psql -p $port -qAtc \"$1\""; fi
}
if [ "$(run_sql "SELECT 1 FROM pg_roles WHERE rolname='gawah_test'")" != "1" ]; then
  run_sql "CREATE ROLE gawah_test LOGIN CREATEDB PASSWORD 'gawah_test'" >&2
fi
# DROP DATABASE ... WITH (FORCE) ends leftover sessions, e.g. an autovacuum worker on the test database.
run_sql "GRANT pg_signal_backend TO gawah_test" >&2
echo "postgresql+psycopg://gawah_test:gawah_test@127.0.0.1:${port}/postgres"
