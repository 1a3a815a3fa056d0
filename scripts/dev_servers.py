"""Serve the hall and the development identity provider side by side (`make run`), with the
delivery of process records to the province: to the stand-in province (`flask exchange
receiver`, port 8002) when no PROVINCE_EXCHANGE_URL is set.

The hall and the provider run under gunicorn; Ctrl-C stops everything. The OIDC client secret
and the exchange's HMAC key are generated once into instance/, so none is kept in the
repository.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import local_secret  # noqa: E402 - needs the project root on the path first

CLIENT_ID = "mobile-hall"


def _environment(hall_port: int, idp_port: int, province_port: int) -> dict[str, str]:
    hall = f"http://127.0.0.1:{hall_port}"
    issuer = f"http://127.0.0.1:{idp_port}"
    secret = local_secret("oidc_client_secret")
    return {
        **os.environ,
        "PROVINCE_EXCHANGE_URL": os.environ.get("PROVINCE_EXCHANGE_URL")
        or f"http://127.0.0.1:{province_port}/batches",
        "PROVINCE_EXCHANGE_SECRET": os.environ.get("PROVINCE_EXCHANGE_SECRET")
        or local_secret("province_exchange_secret"),
        "HALL_ENV": os.environ.get("HALL_ENV", "development"),
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": secret,
        "DEVIDP_ISSUER": issuer,
        "DEVIDP_CLIENT_ID": CLIENT_ID,
        "DEVIDP_CLIENT_SECRET": secret,
        "DEVIDP_HALL_URL": hall,
    }


def _wait_for_port(port: int, seconds: float = 60) -> None:
    """Return once something listens on the loopback port (or after `seconds`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)


def main() -> int:
    """Start both servers and wait until either stops or the operator presses Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hall-port", type=int, default=8000)
    parser.add_argument("--idp-port", type=int, default=8001)
    parser.add_argument("--province-port", type=int, default=8002)
    args = parser.parse_args()
    stand_in = not os.environ.get("PROVINCE_EXCHANGE_URL")
    env = _environment(args.hall_port, args.idp_port, args.province_port)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "exchange"]
    servers = [
        # The provider keeps its sessions in memory: one process, several threads.
        [gunicorn, "--bind", f"127.0.0.1:{args.idp_port}", "--threads", "4", "devidp.wsgi:app"],
        [gunicorn, "--bind", f"127.0.0.1:{args.hall_port}", "--workers", "2", "wsgi:app"],
    ]
    processes = []
    if stand_in:
        # The stand-in first, so that the worker's first delivery finds it listening.
        receiver = [*flask, "receiver", "--port", str(args.province_port)]
        processes.append(subprocess.Popen(receiver, cwd=ROOT, env=env))  # noqa: S603
        _wait_for_port(args.province_port)
    servers.append([*flask, "deliver"])
    processes += [subprocess.Popen(command, cwd=ROOT, env=env) for command in servers]  # noqa: S603
    province = (
        f"http://127.0.0.1:{args.province_port}" if stand_in else env["PROVINCE_EXCHANGE_URL"]
    )
    print(
        f"\n  曲江区网上办事分厅  http://127.0.0.1:{args.hall_port}\n"
        f"  开发用统一身份认证  http://127.0.0.1:{args.idp_port}  (accounts: see README)\n"
        f"  省数据交换平台      {province}  (records pushed by `flask exchange deliver`)\n"
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
