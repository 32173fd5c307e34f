#!/usr/bin/env bash
# Restore a Jɛkafɔ backup made by deploy/backup.sh into an EMPTY database and an empty
# MEDIA_ROOT:   deploy/restore.sh /var/backups/jekafo/jekafo-20260101T023000Z
#
# Reads DATABASE_URL (the new, empty database: createdb -O jekafo jekafo) and MEDIA_ROOT
# from the environment, as backup.sh does. Refuses to write over anything: a database
# with tables, or a MEDIA_ROOT with files. Stop the jekafo units first; afterwards run
# `manage.py migrate` (a no-op for a backup of the same version) and start them.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BACKUP_DIRECTORY   (one jekafo-<time> directory made by backup.sh)" >&2
    exit 2
fi
backup=$(cd "$1" && pwd)
: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${MEDIA_ROOT:?MEDIA_ROOT is not set}"

here=$(cd "$(dirname "$0")" && pwd)
eval "$("${PYTHON:-python3}" "$here/pgenv.py")"

echo "restore: checking $backup"
(cd "$backup" && sha256sum --check --quiet SHA256SUMS)

tables=$(psql -X -qtA -v ON_ERROR_STOP=1 -c \
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg_toast%'")
if [ "$tables" != "0" ]; then
    echo "restore: database $PGDATABASE is not empty ($tables relations); restore into a new one." >&2
    exit 1
fi
if [ -d "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT")" ]; then
    echo "restore: MEDIA_ROOT $MEDIA_ROOT is not empty; restore into an empty directory." >&2
    exit 1
fi

echo "restore: database $PGDATABASE"
# One transaction: a failed restore leaves the database empty, not half-filled.
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname="$PGDATABASE" "$backup/database.dump"

echo "restore: files into $MEDIA_ROOT"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$backup/media.tar.gz"
echo "restore: done. Next: manage.py migrate, then start the jekafo units."
