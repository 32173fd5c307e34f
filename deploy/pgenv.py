"""Print DATABASE_URL as shell assignments of libpq's PG* variables (for backup/restore.sh).

Python's standard library only, so that it runs without the app's virtualenv.
"""

import os
import shlex
import sys
from urllib.parse import parse_qs, unquote, urlsplit


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"DATABASE_URL must be a postgres:// URL, not {parts.scheme or url!r}")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        sys.exit("DATABASE_URL names no database")
    values = {
        "PGHOST": unquote(parts.hostname or ""),
        "PGPORT": str(parts.port or ""),
        "PGUSER": unquote(parts.username or ""),
        "PGPASSWORD": unquote(parts.password or ""),
        "PGDATABASE": name,
    }
    sslmode = parse_qs(parts.query).get("sslmode")
    if sslmode:
        values["PGSSLMODE"] = sslmode[0]
    for key, value in values.items():
        if value:
            print(f"export {key}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
