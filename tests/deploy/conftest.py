import shutil
import tempfile
from pathlib import Path

import pytest

from tests.realtime._daphne import cluster_env, run_python


@pytest.fixture(scope="session")
def collected_static():
    """STATIC_ROOT as production has it: hashed names, a manifest and .gz files beside them."""
    root = Path(tempfile.mkdtemp(prefix="jekafo-static-"))
    root.chmod(0o755)  # nginx's workers (nobody, when the tests run as root) read it
    env = cluster_env("sqlite:///unused.sqlite3", "")  # collectstatic opens no database
    env["STATIC_ROOT"] = str(root / "static")
    try:
        run_python(["manage.py", "collectstatic", "--no-input", "-v0"], env, timeout=180)
        yield root / "static"
    finally:
        shutil.rmtree(root, ignore_errors=True)
