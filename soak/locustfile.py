"""The soak's simulated people (locust): citizens who apply online and sometimes withdraw at
once, and clerks of the same unit who take the oldest new applications of one queue, so that
they race each other on the same application and on the applicants' withdrawals.

Run by `soak/run.py` (`make soak`), which makes the people and their signed-in sessions and
hands them over in the plan file (SOAK_PLAN); what the people were told (application numbers,
withdrawals) and every 5xx are written to SOAK_RESULTS when locust stops.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["SOAK_PLAN"]).read_text(encoding="utf-8"))
# Which item, which application, whether to withdraw: a load's choices, not secrets.
choose = random.Random()  # noqa: S311
TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token" type="hidden" value="([^"]+)"')
NUMBER = re.compile(r'<p class="number">([^<]+)</p>')
APPLICATION = re.compile(r"/applications/(\d+)")
QUEUED = re.compile(r'href="/workbench/applications/(\d+)"')
DELIVERY = re.compile(r'name="complete-delivery"[^>]*value="([^"]+)"')
# The workbench's steps in order; each form is prefixed with its action's name.
STEPS = ("accept", "review", "decide", "complete")
# Clerks pick among the oldest few new applications: two clerks often pick the same one.
RACE_WINDOW = 3
WITHDRAW_SHARE = 0.3
# A person reads and types on each page of a form before sending it.
THINK_SECONDS = (2.0, 6.0)

# What the people were told, written out at the end (gevent: one thread, no lock needed).
told: dict[str, list] = {"submitted": [], "withdrawn": [], "server_errors": [], "actions": []}


@events.request.add_listener
def _count_server_errors(request_type, name, response, exception, **_kwargs) -> None:
    status = getattr(response, "status_code", 0)
    if status >= 500 or (exception is not None and not status):
        told["server_errors"].append(f"{request_type} {name}: {status or repr(exception)[:120]}")


@events.quitting.add_listener
def _write_results(**_kwargs) -> None:
    with open(os.environ["SOAK_RESULTS"], "w", encoding="utf-8") as out:
        json.dump(told, out, ensure_ascii=False)


class Person(HttpUser):
    """Someone signed in with a session the plan made; the session's CSRF token."""

    abstract = True
    people: ClassVar[list[str]] = []

    def on_start(self) -> None:
        self.client.cookies.set(PLAN["cookie"], self.people.pop())
        self.csrf = ""

    def page(self, path: str, name: str | None = None):
        response = self.client.get(path, name=name or path)
        found = TOKEN.search(response.text)
        if found:
            self.csrf = found[1]
        return response

    def post(self, path: str, name: str, data: dict[str, Any], **kwargs: Any):
        # 409 (someone else was first) and 400 (a refused form) are answers, not failures.
        with self.client.post(
            path, data={"csrf_token": self.csrf, **data}, name=name, catch_response=True, **kwargs
        ) as response:
            if response.status_code < 500:
                response.success()
            return response


class Citizen(Person):
    """Submits the draft the plan prepared for them (answers and photos in), then applies
    online from the start for one of the plan's items, pausing on each page as a person does;
    now and then withdraws an application at once, while the clerks may be accepting it."""

    fixed_count = int(os.environ.get("SOAK_CITIZENS", "200"))
    wait_time = between(3, 10)
    people: ClassVar[list[dict]] = list(PLAN["citizens"])

    def on_start(self) -> None:
        person = self.people.pop()
        self.client.cookies.set(PLAN["cookie"], person["token"])
        self.csrf, self.draft = "", person["draft"]

    def think(self) -> None:
        gevent.sleep(choose.uniform(*THINK_SECONDS))

    @task(5)
    def apply(self) -> None:
        if self.draft is not None:
            check, self.draft = f"/applications/{self.draft}/check", None
            self.page(check, "/applications/[id]/check")
            self.think()
            self.submit(check)
            return
        item = choose.choice(PLAN["items"])
        self.page(f"/apply/{item['code']}", "/apply/[code]")
        response = self.post(f"/apply/{item['code']}", "/apply/[code]", {"unit": item["unit"]})
        for _ in range(10):
            if "/form/" not in response.url:
                break
            self.think()
            path = urlsplit(response.url).path
            response = self.post(path, "/applications/[id]/form/[page]", item["answers"])
        path = urlsplit(response.url).path
        if not path.endswith("/materials"):
            return
        files = {
            f"file-{p}": ("photo.png", bytes.fromhex(PLAN["png"]), "image/png")
            for p in item["required"]
        }
        self.think()
        response = self.post(path, "/applications/[id]/materials", {"next": "check"}, files=files)
        if response.url.endswith("/check"):
            self.think()
            self.submit(urlsplit(response.url).path)

    def submit(self, check: str) -> None:
        """Submit from the check page; keep the number the receipt gives; maybe withdraw."""
        response = self.post(
            check.replace("/check", "/submit"), "/applications/[id]/submit", {"declaration": "y"}
        )
        number = NUMBER.search(response.text)
        if response.status_code != 200 or number is None:
            return
        application_id = int(APPLICATION.search(response.url)[1])
        told["submitted"].append([application_id, number[1].replace(" ", "")])
        if choose.random() < WITHDRAW_SHARE:
            response = self.post(
                f"/applications/{application_id}/withdraw", "/applications/[id]/withdraw", {}
            )
            if response.status_code == 200 and "已撤回" in response.text:
                told["withdrawn"].append(application_id)

    @task(2)
    def look(self) -> None:
        self.page(choose.choice(["/me", "/applications", "/messages", "/items?q=yyzz"]))


class Clerk(Person):
    """Takes one of the oldest new applications and carries it as far as it goes: accept,
    review, approve, complete; another clerk or the applicant may have been first."""

    fixed_count = int(os.environ.get("SOAK_CLERKS", "10"))
    wait_time = between(1, 3)
    people: ClassVar[list[str]] = list(PLAN["clerks"])

    @task
    def handle(self) -> None:
        queue = self.page("/workbench?queue=new", "/workbench")
        waiting = QUEUED.findall(queue.text)[:RACE_WINDOW]
        if not waiting:
            return
        application_id = choose.choice(waiting)
        page = f"/workbench/applications/{application_id}"
        for step in STEPS:
            casefile = self.page(page, "/workbench/applications/[id]")
            if f'name="{step}-csrf_token"' not in casefile.text:
                continue
            data = {f"{step}-csrf_token": self.csrf}
            if step == "review":
                data["review-opinion"] = "材料齐全，符合条件"
            elif step == "decide":
                data["decide-decision"] = "approved"
            elif step == "complete":
                delivery = DELIVERY.search(casefile.text)
                data["complete-delivery"] = delivery[1] if delivery else "pickup"
            response = self.post(
                f"{page}/{step}",
                f"/workbench/applications/[id]/{step}",
                data,
                allow_redirects=False,
            )
            told["actions"].append([step, response.status_code])
            if response.status_code != 303:
                return
