"""A department's approval system talking to the hall: a reference client to read and copy.

It pulls the applications of the unit's items that changed since a cursor, accepts the first
one waiting for acceptance, and takes it to completion (review, approval, completion with the
item's first way of delivery; an item whose result is a licence issues it). The API is
described at /api/docs and /api/v1/openapi.json; the key comes from the district office's page
/staff/api-keys.

    .venv/bin/python scripts/department_client.py --hall http://127.0.0.1:8000 --key qjk_...

Three habits worth copying:

- keep the cursor (printed at the end) and pass it as ``--after`` next time: only what changed
  since comes back;
- send every POST with an ``Idempotency-Key`` and, when the network fails, retry with the
  same key: the hall takes the step once and answers the retry as it answered the first;
- read a refusal's ``detail`` (Chinese) and ``type``: 409 means the application's state has
  moved on (someone at the hall's workbench was quicker), 422 that the request needs fixing.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

import requests

TIMEOUT = 10
RETRIES = 3


class HallRefused(Exception):
    """The hall answered a problem (RFC 9457): its status, type and Chinese detail."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('type', '')}: {problem.get('detail', '')}")
        self.status = status
        self.problem = problem


class DepartmentClient:
    """The hall's API for one unit's key."""

    def __init__(self, hall: str, key: str, session: requests.Session | None = None) -> None:
        self.hall = hall.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def _answer(self, response: requests.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise HallRefused(response.status_code, response.json())
        return response.json()

    def changed_applications(self, after: int = 0, limit: int = 50) -> dict[str, Any]:
        """One page of applications changed after the cursor ``after``."""
        response = self.session.get(
            f"{self.hall}/api/v1/applications",
            params={"after": after, "limit": limit},
            timeout=TIMEOUT,
        )
        return self._answer(response)

    def all_changed(self, after: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Every application changed after ``after``, page by page, and the new cursor."""
        applications: list[dict[str, Any]] = []
        while True:
            page = self.changed_applications(after)
            applications += page["applications"]
            after = page["cursor"]
            if not page["has_more"]:
                return applications, after

    def step(self, application_id: int, step: str, body: dict[str, Any]) -> dict[str, Any]:
        """Take a step (accept, review, decide, complete, ...); retried with the same
        Idempotency-Key when the connection fails, so it happens once."""
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        url = f"{self.hall}/api/v1/applications/{application_id}/{step}"
        for attempt in range(RETRIES):
            try:
                response = self.session.post(url, json=body, headers=headers, timeout=TIMEOUT)
            except requests.ConnectionError:
                if attempt == RETRIES - 1:
                    raise
                continue
            return self._answer(response)
        raise AssertionError("unreachable")

    def download(self, material: dict[str, Any]) -> bytes:
        """A material's file, by the signed link the pull gave (no key needed)."""
        response = self.session.get(material["download_url"], timeout=TIMEOUT)
        response.raise_for_status()
        return response.content


def handle_one(client: DepartmentClient, application: dict[str, Any]) -> dict[str, Any]:
    """Accept an application and take it to completion; the application at the end."""
    number = application["id"]
    client.step(number, "accept", {})
    client.step(number, "review", {"opinion": "材料齐全，符合法定条件（部门业务系统审查）"})
    client.step(number, "decide", {"decision": "approved"})
    return client.step(number, "complete", {"delivery": application["delivery_options"][0]})


def main(argv: list[str] | None = None) -> int:
    """Pull, accept the first waiting application and complete it; print what happened."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hall", default="http://127.0.0.1:8000", help="the hall's base URL")
    parser.add_argument("--key", required=True, help="the unit's API key (qjk_...)")
    parser.add_argument("--after", type=int, default=0, help="the cursor of the last run")
    args = parser.parse_args(argv)
    client = DepartmentClient(args.hall, args.key)
    applications, cursor = client.all_changed(args.after)
    print(f"拉取到 {len(applications)} 件有变化的申请")
    for application in applications:
        print(f"  {application['number']} {application['item_name']} · {application['status']}")
    waiting = [a for a in applications if "accept" in a["allowed_steps"]]
    if not waiting:
        print(f"没有待受理的申请。下次请使用 --after {cursor}")
        return 0
    chosen = waiting[0]
    for material in chosen["materials"]:
        if material["download_url"]:
            print(f"  材料 {material['name']}：{len(client.download(material))} 字节")
    try:
        done = handle_one(client, chosen)
    except HallRefused as refused:
        print(f"办件 {chosen['number']} 未能办结：{refused}", file=sys.stderr)
        return 1
    print(f"办件 {done['number']} 已受理并办结：{done['status']}")
    print(f"下次请使用 --after {cursor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
