"""Load test: gunicorn on PostgreSQL, N simulated users in mixed journeys, then a queue of
imports drained by one and by two Celery workers.

    .venv/bin/python bench/load_test.py [--users 50] [--duration 60] [--workers 4]

A bounded script of our own rather than locust: the standard library's http.client is enough
for 50 users, it adds no dependency, and every request loop stops by itself (a deadline and a
request cap). It only ever talks to 127.0.0.1.

What it does:
1. Builds a fresh PostgreSQL database (LOAD_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/dwr_load): migrate, seed_demo, and one researcher account
   per simulated user (member of Northbrook and Riverside).
2. Starts gunicorn (production settings: DEBUG off; the client sends X-Forwarded-Proto as a
   TLS-terminating proxy would) and one Celery worker on Redis (LOAD_BROKER_URL, default
   redis://127.0.0.1:6379/14) so uploads are queued as in production.
3. All users log in at once (the burst is reported on its own), then each runs mixed
   journeys until the deadline: the sites list, a site, a source's coding page, the
   dashboard, a search, a theme's excerpts, adding a coding, and now and then an import.
4. Checks that every coding answered 201 is in the database (no lost coding).
5. Creates 100 import jobs with no worker running, then times one worker and then two
   workers draining them.
Prints Markdown tables to paste into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
HOST = "127.0.0.1"
PASSWORD = "load-test-2026"
MAX_REQUESTS_PER_USER = 5_000  # a hard cap on top of the deadline


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- the simulated browser --------------------------------------------------------------


class Browser:
    """One user's connection and cookies. Cookies are kept by hand: the app sets them Secure
    (as production does) and the proxy in front is simulated with X-Forwarded-Proto."""

    def __init__(self, port: int, record) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.record = record
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def _headers(self, extra: dict | None = None) -> dict:
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Origin": f"https://{HOST}:{self.port}",
            "Referer": f"https://{HOST}:{self.port}/",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        headers.update(extra or {})
        return headers

    def request(self, name: str, method: str, path: str, body=None, headers=None):
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=self._headers(headers))
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            self.record(name, time.perf_counter() - started, f"{type(exc).__name__}")
            return None, b""
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        error = None if response.status < 400 else str(response.status)
        if response.status == 400:
            # The app's plain message says why (a consent refusal is the expected one).
            reason = " ".join(data.decode("utf-8", "replace").split())[:70]
            error = f"400 ({reason})"
        self.record(name, elapsed, error)
        return response, data

    def get(self, name: str, path: str):
        return self.request(name, "GET", path)

    def post_form(self, name: str, path: str, fields: dict):
        body = urlencode({**fields, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
        return self.request(
            name, "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def post_multipart(self, name: str, path: str, fields: dict, files: dict):
        boundary = uuid.uuid4().hex
        parts = []
        fields = {**fields, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        for key, value in fields.items():
            values = value if isinstance(value, list) else [value]
            for item in values:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                    f"{item}\r\n".encode()
                )
        for key, (filename, content, ctype) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; '
                f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            name,
            "POST",
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def login(self, username: str) -> bool:
        self.get("login (GET)", "/accounts/login/")
        response, _ = self.post_form(
            "login (POST)", "/accounts/login/", {"username": username, "password": PASSWORD}
        )
        return response is not None and response.status == 302


# --- the database and the servers ----------------------------------------------------------


def django_env(database_url: str, broker_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dwr_project.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_STATIC_MANIFEST": "0",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "DEMO_PASSWORD": PASSWORD,
        "DJANGO_PRIVATE_MEDIA_ROOT": "/tmp/dwr-load/private",
        "DJANGO_MEDIA_ROOT": "/tmp/dwr-load/media",
    }


SETUP = r"""
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.db import models
from django.contrib.auth import get_user_model
from sites.models import Membership, Role, Site
from fieldwork.models import Segment, Source
from sites.models import Participant
from themes.models import Theme
users = int(sys.argv[1])
User = get_user_model()
sites = list(Site.objects.filter(code__in=["northbrook", "riverside"]))
names = []
for i in range(users):
    user, _ = User.objects.get_or_create(username=f"load{i:02d}")
    user.set_password(PASSWORD_)
    user.save()
    for site in sites:
        Membership.objects.get_or_create(user=user, site=site, defaults={"role": Role.RESEARCHER})
    names.append(user.username)
source_ids = list(
    Source.objects.filter(site__in=sites, segments__isnull=False)
    .distinct().values_list("pk", flat=True)[:20]
)
# Turns a person may code: not a withdrawn participant's (the app refuses those, by design).
excluded = Participant.objects.excluded_ids()
spans = {}
for pk, start, end in (
    Segment.objects.filter(source_id__in=source_ids, end__gte=models.F("start") + 60)
    .exclude(participant_id__in=excluded)
    .values_list("source_id", "start", "end")
):
    spans.setdefault(pk, []).append([start, end])
print(json.dumps({
    "users": names,
    "sources": [[pk, spans[pk]] for pk in source_ids if pk in spans],
    "sites": [s.code for s in sites],
    "themes": list(Theme.objects.codable().values_list("pk", flat=True)[:30]),
}))
"""


def prepare_database(database_url: str, env: dict, users: int) -> dict:
    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    # seed_demo refuses production settings; seed with DEBUG on, then serve with it off.
    seed_env = {**env, "DJANGO_DEBUG": "1"}
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=seed_env, check=True)
    subprocess.run(
        [PY, "manage.py", "seed_demo", "--quiet"],
        cwd=ROOT,
        env={**seed_env, "DJANGO_DEBUG": "1"},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    script = SETUP.replace("PASSWORD_", repr(PASSWORD))
    out = subprocess.run(
        [PY, "-c", script, str(users)],
        cwd=ROOT,
        env=seed_env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_gunicorn(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "dwr_project.wsgi",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            # As a reverse proxy in front would: idle keep-alive connections stay open while
            # a person reads the page (gunicorn's default closes them after 2 s).
            "--keep-alive",
            "75",
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def start_worker(env: dict, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "dwr_project",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "-n",
            f"{name}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


# --- the journeys -------------------------------------------------------------------------

TRANSCRIPT = (
    "Interviewer: Who do you ring when a case is stuck?\n\n"
    "Helen: The family support worker; she knows everyone at the school.\n\n"
    "Interviewer: And the referral form?\n\n"
    "Helen: Strictly we shouldn't, but we ring first and fill it in after.\n"
)


def run_user(
    browser: Browser,
    data: dict,
    deadline: float,
    created: list,
    rng: random.Random,
    think: float = 0.0,
):
    sources = data["sources"]
    themes = data["themes"]
    site = rng.choice(data["sites"])
    for _ in range(MAX_REQUESTS_PER_USER):
        if think:
            # A person reads the page before the next click: uniform around the mean.
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))
        if time.monotonic() >= deadline:
            return
        roll = rng.random()
        source_pk, spans = rng.choice(sources)
        if roll < 0.12:
            browser.get("sites list", "/sites/")
        elif roll < 0.22:
            browser.get("site page", f"/sites/{site}/")
        elif roll < 0.42:
            browser.get("coding page", f"/themes/sources/{source_pk}/code/")
        elif roll < 0.54:
            browser.get("dashboard", "/themes/dashboard/")
        elif roll < 0.66:
            word = rng.choice(["referral", "school", '"duty desk"', "ring", "protocol"])
            browser.get("search", "/fieldwork/search/?" + urlencode({"q": word}))
        elif roll < 0.78:
            browser.get("theme excerpts", f"/themes/{rng.choice(themes)}/")
        elif roll < 0.985:
            turn_start, turn_end = rng.choice(spans)
            start = rng.randrange(turn_start, turn_end - 40)
            response, body = browser.post_form(
                "add a coding",
                f"/themes/sources/{source_pk}/codings/new/",
                {"theme": rng.choice(themes), "start": start, "end": start + 40},
            )
            if response is not None and response.status == 201:
                created.append(json.loads(body)["coding"]["id"])
        else:
            browser.post_multipart(
                "import (upload)",
                f"/fieldwork/{site}/interviews/new/",
                {
                    "title": f"Load {uuid.uuid4().hex[:6]}",
                    "date": "2026-11-30",
                    "mode": "individual",
                },
                {"transcript": ("load.txt", TRANSCRIPT.encode(), "text/plain")},
            )


def load(
    port: int, data: dict, users: int, duration: int, think: float = 0.0
) -> tuple[dict, dict, list, float]:
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()

    def record(name: str, elapsed: float, error: str | None) -> None:
        with lock:
            samples[name].append(elapsed * 1000)
            if error:
                errors[name][error] += 1

    browsers = [Browser(port, record) for _ in range(users)]
    barrier = threading.Barrier(users)
    created: list[int] = []

    def login(i: int) -> None:
        barrier.wait()
        browsers[i].login(data["users"][i])

    threads = [threading.Thread(target=login, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    deadline = time.monotonic() + duration
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=run_user,
            args=(browsers[i], data, deadline, created, random.Random(i), think),
        )
        for i in range(users)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return samples, errors, created, elapsed


def count_codings(env: dict, ids: list[int]) -> int:
    script = (
        "import django, json, sys; django.setup();"
        "from themes.models import Coding;"
        "ids = json.loads(sys.stdin.read());"
        "print(Coding.objects.filter(pk__in=ids).count())"
    )
    out = subprocess.run(
        [PY, "-c", script],
        cwd=ROOT,
        env=env,
        input=json.dumps(ids),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


DRAIN = r"""
import django, sys, time
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.contrib.auth import get_user_model
from fieldwork import services
from fieldwork.models import ImportJob, ImportStatus
from sites.models import Site
mode = sys.argv[1]
if mode == "create":
    site = Site.objects.get(code="northbrook")
    actor = get_user_model().objects.get(username="load00")
    text = sys.stdin.read()
    ids = []
    for i in range(100):
        job = services.import_job_create(
            site=site, actor=actor,
            file=SimpleUploadedFile(f"drain{i:03d}.txt", text.encode(), "text/plain"),
        )
        ids.append(job.pk)
    print(",".join(map(str, ids)))
else:
    ids = [int(x) for x in sys.argv[2].split(",")]
    started = time.monotonic()
    while time.monotonic() - started < 600:
        left = ImportJob.objects.filter(pk__in=ids).exclude(
            status__in=[ImportStatus.SUCCEEDED, ImportStatus.FAILED]).count()
        if not left:
            break
        time.sleep(0.05)
    failed = ImportJob.objects.filter(pk__in=ids, status=ImportStatus.FAILED).count()
    print(f"{time.monotonic() - started:.2f} {failed}")
"""


def drain(env: dict, workers: int) -> tuple[float, int]:
    """Queue 100 imports with no worker running, then start `workers` workers and time until
    every job has ended. Each is a 2,000-turn transcript (about 40,000 words)."""
    text = "\n\n".join(
        f"{'Interviewer' if i % 2 else 'Helen'}: "
        + " ".join(
            random.Random(i).choice(["referral", "school", "ring", "case", "team"])
            for _ in range(20)
        )
        for i in range(2000)
    )
    script = DRAIN
    out = subprocess.run(
        [PY, "-c", script, "create"],
        cwd=ROOT,
        env=env,
        input=text,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    ids = out.stdout.strip().splitlines()[-1]
    procs = [start_worker(env, f"drain{n}") for n in range(workers)]
    try:
        out = subprocess.run(
            [PY, "-c", script, "wait", ids], cwd=ROOT, env=env, capture_output=True, text=True
        )
    finally:
        for p in procs:
            stop(p)
    seconds, failed = out.stdout.strip().split()
    return float(seconds), int(failed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds of mixed journeys")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a user reads a page before the next request (0: closed loop)",
    )
    parser.add_argument("--skip-drain", action="store_true")
    args = parser.parse_args()

    database_url = os.environ.get(
        "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dwr_load"
    )
    broker_url = os.environ.get("LOAD_BROKER_URL", "redis://127.0.0.1:6379/14")
    env = django_env(database_url, broker_url)
    subprocess.run(
        ["redis-cli", "-u", broker_url, "flushdb"], check=False, stdout=subprocess.DEVNULL
    )
    print(f"Preparing {database_url} ...", flush=True)
    data = prepare_database(database_url, env, args.users)
    server = start_gunicorn(env, args.port, args.workers, args.threads)
    worker = start_worker(env, "load")
    try:
        samples, errors, created, elapsed = load(
            args.port, data, args.users, args.duration, args.think
        )
    finally:
        stop(worker)
        stop(server)
    stored = count_codings(env, created)

    total = sum(len(v) for k, v in samples.items() if not k.startswith("login"))
    print(
        f"\n{args.users} users, {args.duration} s, gunicorn {args.workers} workers × "
        f"{args.threads} threads, PostgreSQL, one Celery worker on Redis\n"
    )
    print("| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    everything: list[float] = []
    for name in sorted(samples):
        values = samples[name]
        if not name.startswith("login"):
            everything += values
        errs = ", ".join(f"{n}×{code}" for code, n in errors[name].items()) or "0"
        rate = len(values) / elapsed if not name.startswith("login") else float("nan")
        print(
            f"| {name} | {len(values)} | {rate:.1f} | {percentile(values, 50):.0f} | "
            f"{percentile(values, 95):.0f} | {percentile(values, 99):.0f} | {errs} |"
        )
    print(
        f"| **all after login** | {total} | {total / elapsed:.1f} | "
        f"{percentile(everything, 50):.0f} | {percentile(everything, 95):.0f} | "
        f"{percentile(everything, 99):.0f} | "
        f"{sum(sum(e.values()) for k, e in errors.items() if not k.startswith('login'))} |"
    )
    print(f"\nCodings answered 201: {len(created)}; found in the database: {stored}.")
    if not args.skip_drain:
        subprocess.run(
            ["redis-cli", "-u", broker_url, "flushdb"], check=False, stdout=subprocess.DEVNULL
        )
        one, failed_one = drain(env, 1)
        two, failed_two = drain(env, 2)
        print("\n| workers | 100 imports drained in | failed | ratio |")
        print("|---:|---:|---:|---:|")
        print(f"| 1 | {one:.1f} s | {failed_one} | 1.00 |")
        print(f"| 2 | {two:.1f} s | {failed_two} | {two / one:.2f} |")
    return 0 if stored == len(created) else 1


if __name__ == "__main__":
    sys.exit(main())
