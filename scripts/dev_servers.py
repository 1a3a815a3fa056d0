"""Serve the hall and the development identity provider side by side (`make run`).

Both run under gunicorn; Ctrl-C stops both. The OIDC client secret they share is generated
once into instance/, so none is kept in the repository.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import local_secret  # noqa: E402 - needs the project root on the path first

CLIENT_ID = "mobile-hall"


def _environment(hall_port: int, idp_port: int) -> dict[str, str]:
    hall = f"http://127.0.0.1:{hall_port}"
    issuer = f"http://127.0.0.1:{idp_port}"
    secret = local_secret("oidc_client_secret")
    return {
        **os.environ,
        "HALL_ENV": os.environ.get("HALL_ENV", "development"),
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": secret,
        "DEVIDP_ISSUER": issuer,
        "DEVIDP_CLIENT_ID": CLIENT_ID,
        "DEVIDP_CLIENT_SECRET": secret,
        "DEVIDP_HALL_URL": hall,
    }


def main() -> int:
    """Start both servers and wait until either stops or the operator presses Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hall-port", type=int, default=8000)
    parser.add_argument("--idp-port", type=int, default=8001)
    args = parser.parse_args()
    env = _environment(args.hall_port, args.idp_port)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    servers = [
        # The provider keeps its sessions in memory: one process, several threads.
        [gunicorn, "--bind", f"127.0.0.1:{args.idp_port}", "--threads", "4", "devidp.wsgi:app"],
        [gunicorn, "--bind", f"127.0.0.1:{args.hall_port}", "--workers", "2", "wsgi:app"],
    ]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env) for command in servers]  # noqa: S603
    print(
        f"\n  曲江区网上办事分厅  http://127.0.0.1:{args.hall_port}\n"
        f"  开发用统一身份认证  http://127.0.0.1:{args.idp_port}  (accounts: see README)\n"
        "  Ctrl-C to stop.\n",
        flush=True,
    )
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)
    return max(process.returncode or 0 for process in processes)


if __name__ == "__main__":
    sys.exit(main())
