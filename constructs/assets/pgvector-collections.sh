#!/bin/sh
# pgvector collections for Inference Stack: waits until the database accepts connections and has the vector
# extension (CloudNativePG creates it at bootstrap, which on a fresh multi-instance cluster takes minutes), at most
# $WAIT_SECONDS, then runs collections.sql once. Exits non-zero, with the last error, when it gives up or the SQL
# fails. Connection from libpq's PG* variables. The root filesystem is read-only: nothing is written.
set -u
WAIT_SECONDS="${WAIT_SECONDS:-900}"
POLL_SECONDS="${POLL_SECONDS:-10}"
HERE="$(dirname "$0")"
READY_SQL="SELECT count(*)::int AS ready FROM pg_extension WHERE extname = 'vector'"
target="${PGHOST:-localhost}/${PGDATABASE:-}"
start=$(date +%s)
while :; do
  answer=$(psql --no-psqlrc -X -tAq -c "$READY_SQL" 2>&1) && [ "$answer" = 1 ] && break
  [ -n "$answer" ] && [ "$answer" != 0 ] || answer="connected; the vector extension is not created yet"
  waited=$(( $(date +%s) - start ))
  if [ "$waited" -ge "$WAIT_SECONDS" ]; then
    echo "pgvector-collections: gave up after $WAIT_SECONDS s: $target is not ready: $(echo "$answer" | tr '\n' ' ')" >&2
    exit 1
  fi
  echo "pgvector-collections: waiting for $target (${waited}/${WAIT_SECONDS} s): $(echo "$answer" | tr '\n' ' ')"
  sleep "$POLL_SECONDS"
done
echo "pgvector-collections: $target is ready; creating the collections"
exec psql --no-psqlrc -X -v ON_ERROR_STOP=1 -f "$HERE/collections.sql"
