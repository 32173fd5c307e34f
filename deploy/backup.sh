#!/usr/bin/env bash
# Back up Jɛkafɔ: the PostgreSQL database (pg_dump, custom format) and MEDIA_ROOT (tar),
# into BACKUP_DIR/jekafo-<UTC time>/, then keep only the newest BACKUP_KEEP backups.
#
# Reads the app's environment (systemd's EnvironmentFile, or `set -a; . /etc/jekafo/jekafo.env`):
#   DATABASE_URL   postgres://user:password@host:port/name   (required)
#   MEDIA_ROOT     uploaded files                             (required)
#   BACKUP_DIR     default /var/backups/jekafo
#   BACKUP_KEEP    how many backups to keep, default 14
# pg_dump's major version must be the server's (or newer).
# Restore with deploy/restore.sh; see docs/deployment.md.
set -euo pipefail
umask 077

: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${MEDIA_ROOT:?MEDIA_ROOT is not set}"
BACKUP_DIR=${BACKUP_DIR:-/var/backups/jekafo}
BACKUP_KEEP=${BACKUP_KEEP:-14}
case $BACKUP_KEEP in '' | *[!0-9]* | 0) echo "backup: BACKUP_KEEP must be a number >= 1" >&2; exit 2 ;; esac

here=$(cd "$(dirname "$0")" && pwd)
# The connection goes to libpq through PG* variables, so the password is not in `ps`.
eval "$("${PYTHON:-python3}" "$here/pgenv.py")"

mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$BACKUP_DIR/jekafo-$stamp"
work="$BACKUP_DIR/.partial-jekafo-$stamp"
trap 'rm -rf "$work"' EXIT
mkdir "$work"

# The database first, then the files: an upload that lands in between leaves a file
# without its row (harmless), never a row without its file.
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$work/database.dump"
if [ -d "$MEDIA_ROOT" ]; then
    tar -C "$MEDIA_ROOT" -czf "$work/media.tar.gz" .
else
    tar -czf "$work/media.tar.gz" -T /dev/null
fi
(cd "$work" && sha256sum database.dump media.tar.gz > SHA256SUMS)
mv "$work" "$final"
trap - EXIT
echo "backup: $final ($(du -sh "$final" | cut -f1))"

# Retention: the newest BACKUP_KEEP complete backups stay (names sort by time).
mapfile -t backups < <(find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name 'jekafo-*' | sort)
excess=$(( ${#backups[@]} - BACKUP_KEEP ))
for (( i = 0; i < excess; i++ )); do
    rm -rf -- "${backups[$i]}"
    echo "backup: removed ${backups[$i]}"
done
