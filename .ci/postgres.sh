#!/usr/bin/env bash
# Install (if missing) and start a PostgreSQL server on loopback, create a test database, and print
# the URL to export as MATCHER_TEST_POSTGRES_URL:
#
#     export MATCHER_TEST_POSTGRES_URL="$(.ci/postgres.sh)"
#
# Debian/Ubuntu only (apt-get, pg_ctlcluster). Safe to run as root and to run twice. Everything
# but the URL goes to stderr.
set -euo pipefail

DB_NAME="${MATCHER_PG_DB:-matcher_test}"
DB_USER="${MATCHER_PG_USER:-matcher}"
DB_PASS="${MATCHER_PG_PASSWORD:-matcher}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

log() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing postgresql from Debian packages"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
    log "creating cluster $VERSION/main"
    $SUDO pg_createcluster "$VERSION" main >&2
fi
PORT="$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $3}')"
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}' | grep -q online; then
    log "starting cluster $VERSION/main on port $PORT"
    $SUDO pg_ctlcluster "$VERSION" main start >&2
fi

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then su postgres -c "$*"; else sudo -u postgres sh -c "$*"; fi
}
# Wait for the server (a fresh start can take a moment).
for _ in $(seq 1 30); do
    if as_postgres "psql -p $PORT -qtAc 'select 1'" >/dev/null 2>&1; then break; fi
    sleep 1
done

as_postgres "psql -p $PORT -qtAc \"select 1 from pg_roles where rolname='$DB_USER'\"" | grep -q 1 \
    || as_postgres "psql -p $PORT -qc \"create role $DB_USER login password '$DB_PASS'\"" >&2
as_postgres "psql -p $PORT -qtAc \"select 1 from pg_database where datname='$DB_NAME'\"" | grep -q 1 \
    || as_postgres "createdb -p $PORT -O $DB_USER $DB_NAME" >&2

echo "postgresql+psycopg://$DB_USER:$DB_PASS@127.0.0.1:$PORT/$DB_NAME"
