"""Import jobs survive a dying worker and a broker that goes away.

The sweep and lease run here on any database; the broker-down journey starts a throwaway
redis-server on a free port (skipped if redis-server is not installed); the SIGKILL test runs
real `celery -A dwr_project worker -B` subprocesses against the test database, so it needs
PostgreSQL and a broker (CI: CELERY_BROKER_URL and CELERY_WORKER_REQUIRED=1).
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dwr_project.celery import app
from fieldwork import services
from fieldwork.models import ImportJob, ImportStatus, Interview, Segment, Source
from sites.models import AuditEvent

from .helpers import TURNS, txt_transcript, upload

pytestmark = pytest.mark.django_db


def queued_job(site, user, name="t.txt", data=None) -> ImportJob:
    return services.import_job_create(
        site=site, actor=user, file=upload(name, data or txt_transcript(TURNS)), enqueue=False
    )


def left_running_by_a_dead_worker(job: ImportJob, *, attempts: int = 1) -> ImportJob:
    """The row a worker leaves when it is killed mid-import: running, lease run out."""
    past = timezone.now() - datetime.timedelta(seconds=django_settings.IMPORT_LEASE_SECONDS + 1)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING,
        progress=60,
        attempts=attempts,
        started_at=past,
        enqueued_at=past,
        lease_expires_at=past,
    )
    job.refresh_from_db()
    return job


# --- the sweep and the lease ------------------------------------------------------------------


def test_the_sweep_takes_back_a_dead_workers_job_and_it_lands_exactly_one_source(
    site_a, researcher
):
    job = left_running_by_a_dead_worker(queued_job(site_a, researcher))
    assert job.is_stale

    # No broker here: the sweep's message runs the import in-process, as a worker would.
    sweep = services.import_job_sweep()

    assert sweep.requeued == [job.pk] and sweep.sent == [job.pk] and sweep.failed == []
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.attempts == 2, job.error
    assert Source.objects.count() == 1 and job.source.segments.count() == len(TURNS)
    assert AuditEvent.objects.filter(verb="import.requeue", object_id=str(job.pk)).exists()
    assert services.import_job_sweep() == services.ImportSweep(requeued=[], failed=[], sent=[])


def test_a_job_with_a_live_lease_is_left_alone_by_the_sweep(site_a, researcher):
    job = queued_job(site_a, researcher)
    future = timezone.now() + datetime.timedelta(seconds=30)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, attempts=1, lease_expires_at=future, enqueued_at=future
    )
    assert services.import_job_sweep().requeued == []
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING and not job.is_stale


def test_a_job_interrupted_too_often_fails_with_a_plain_message_and_retry_works(
    site_a, researcher, client_for, django_capture_on_commit_callbacks
):
    job = left_running_by_a_dead_worker(
        queued_job(site_a, researcher), attempts=django_settings.IMPORT_MAX_ATTEMPTS
    )

    sweep = services.import_job_sweep()

    assert sweep.failed == [job.pk] and sweep.requeued == []
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and not job.is_active
    assert "interrupted 3 times" in job.error and "nothing was saved" in job.error
    assert Source.objects.count() == 0
    client = client_for(researcher)
    page = client.get(job.get_absolute_url())
    assert "interrupted 3 times" in page.text and "Try again" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("fieldwork:import-retry", args=["alpha", job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and Source.objects.count() == 1


def test_the_heartbeat_renews_only_the_lease_of_the_run_that_holds_the_job(site_a, researcher):
    job = left_running_by_a_dead_worker(queued_job(site_a, researcher), attempts=2)

    assert not services.import_job_renew_lease(job_id=job.pk, attempt=1)  # an earlier run
    job.refresh_from_db()
    assert job.is_stale
    assert services.import_job_renew_lease(job_id=job.pk, attempt=2)
    job.refresh_from_db()
    assert not job.is_stale and job.lease_expires_at > timezone.now()


def test_a_finished_run_holds_no_lease(site_a, researcher):
    job = queued_job(site_a, researcher)
    job = services.import_job_run(job_id=job.pk)
    assert job.status == ImportStatus.SUCCEEDED and job.lease_expires_at is None
    assert not services.import_job_renew_lease(job_id=job.pk, attempt=job.attempts)


def test_a_queued_job_the_broker_never_got_is_sent_by_the_sweep(site_a, researcher):
    job = queued_job(site_a, researcher)
    assert job.is_waiting_for_service

    assert services.import_job_sweep().sent == [job.pk]

    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.enqueued_at is not None


def test_a_queued_job_sent_recently_is_not_sent_again(site_a, researcher):
    job = queued_job(site_a, researcher)
    ImportJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
    assert services.import_job_sweep().sent == []
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED


# --- what a person sees -------------------------------------------------------------------------


def test_a_stopped_job_says_so_polls_slowly_and_can_be_tried_again_at_once(
    client_for, researcher, site_a, django_capture_on_commit_callbacks
):
    job = left_running_by_a_dead_worker(queued_job(site_a, researcher))
    client = client_for(researcher)

    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})

    assert "stopped answering" in partial.text and "nothing of that attempt was saved" in (
        partial.text
    )
    assert 'hx-trigger="every 15s"' in partial.text and "every 1s" not in partial.text
    assert "Try again now" in partial.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("fieldwork:import-retry", args=["alpha", job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and Source.objects.count() == 1


def test_a_stopped_jobs_original_can_be_deleted_by_a_lead(
    client_for, site_lead, researcher, site_a
):
    job = left_running_by_a_dead_worker(queued_job(site_a, researcher))
    page = client_for(site_lead).get(job.get_absolute_url())
    assert "Delete the original for good" in page.text
    client_for(site_lead).post(reverse("fieldwork:import-purge", args=["alpha", job.pk]))
    job.refresh_from_db()
    assert not job.has_original


def test_a_read_only_member_cannot_retry_a_stopped_job(client_for, site_a, researcher):
    from sites.models import Role
    from tests.factories import MembershipFactory, UserFactory

    viewer = UserFactory(username="viewer")
    MembershipFactory(user=viewer, site=site_a, role=Role.VIEWER)
    job = left_running_by_a_dead_worker(queued_job(site_a, researcher))
    response = client_for(viewer).post(reverse("fieldwork:import-retry", args=["alpha", job.pk]))
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING and job.attempts == 1


def test_the_import_list_shows_stuck_jobs_plainly_in_a_constant_number_of_queries(
    client_for, researcher, site_a, django_assert_max_num_queries
):
    client = client_for(researcher)
    url = reverse("fieldwork:import-list", args=["alpha"])
    left_running_by_a_dead_worker(queued_job(site_a, researcher, name="stopped.txt"))
    queued_job(site_a, researcher, name="unsent.txt")
    with django_assert_max_num_queries(20) as small_page:
        client.get(url)
    with django_assert_max_num_queries(20) as small_partial:
        partial = client.get(url, headers={"HX-Request": "true"})
    assert "stopped answering" in partial.text and "cannot be reached just now" in partial.text
    assert 'hx-trigger="every 15s"' in partial.text  # every job is stuck: poll rarely
    for i in range(4):
        left_running_by_a_dead_worker(queued_job(site_a, researcher, name=f"s{i}.txt"))
        queued_job(site_a, researcher, name=f"u{i}.txt")
        services.import_job_run(job_id=queued_job(site_a, researcher, name=f"d{i}.txt").pk)
    with django_assert_max_num_queries(len(small_page.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(len(small_partial.captured_queries)):
        client.get(url, headers={"HX-Request": "true"})


def test_the_import_list_polls_every_second_while_a_job_moves(client_for, researcher, site_a):
    moving = queued_job(site_a, researcher, name="moving.txt")
    ImportJob.objects.filter(pk=moving.pk).update(enqueued_at=timezone.now())
    left_running_by_a_dead_worker(queued_job(site_a, researcher, name="stopped.txt"))
    page = client_for(researcher).get(reverse("fieldwork:import-list", args=["alpha"]))
    assert 'hx-trigger="every 1s"' in page.text


# --- the broker down at upload, then back -----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _use_broker(url: str | None, *, eager: bool) -> None:
    # The write URL: Celery prefers a CELERY_BROKER_URL environment variable to broker_url.
    app.conf.broker_write_url = url
    app.conf.task_always_eager = eager
    # Forget the pools of the previous broker (as Celery itself does after a fork); kombu
    # keeps them by URL, open, for when the previous broker is put back.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def stopped_redis(settings):
    """A Redis URL on a free port where nothing listens yet; `start()` starts a throwaway
    redis-server there (no persistence), shut down at the end."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    previous = (app.conf.get("broker_write_url"), app.conf.task_always_eager)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _use_broker(url, eager=False)

    class Redis:
        def __init__(self) -> None:
            self.url, self.port, self.started = url, port, False

        def start(self):
            subprocess.run(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
                + ["--appendonly", "no", "--daemonize", "yes"],
                check=True,
                capture_output=True,
            )
            self.started = True
            import redis

            client = redis.Redis(port=port)
            for _ in range(100):
                try:
                    client.ping()
                    return client
                except redis.ConnectionError:
                    time.sleep(0.05)
            pytest.fail("the throwaway redis-server did not start")

    server = Redis()
    try:
        yield server
    finally:
        if server.started:
            subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False)
        _use_broker(previous[0], eager=previous[1])


def _task_and_args(raw: bytes) -> tuple[str, list]:
    message = json.loads(raw)  # kombu's Redis envelope; the body is base64 of [args, kwargs, …]
    return message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0]


def test_broker_down_at_upload_keeps_the_interview_and_the_upload_and_sends_it_when_back(
    client_for, researcher, site_a, stopped_redis, private_media, django_capture_on_commit_callbacks
):
    client = client_for(researcher)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as sends:
        response = client.post(
            reverse("fieldwork:interview-create", args=["alpha"]),
            {
                "title": "Helen, team manager",
                "date": "2026-11-30",
                "mode": "individual",
                "transcript": upload("helen.txt", txt_transcript(TURNS)),
            },
        )
    took = time.monotonic() - started
    assert len(sends) == 1  # the job was handed to the broker, which refused it
    print(f"upload with the broker down answered in {took:.2f} s")  # recorded, not asserted

    interview = Interview.objects.get()
    assert response.status_code == 302 and response["Location"] == (
        interview.source.get_absolute_url()
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("is saved and queued" in t and "no need to upload" in t for t in texts), texts
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.QUEUED and job.is_waiting_for_service
    assert (private_media / job.original.name).read_bytes() == txt_transcript(TURNS)
    page = client.get(interview.source.get_absolute_url())
    assert "cannot be reached just now" in page.text
    assert services.import_job_sweep().sent == []  # still down: nothing sent, nothing lost

    redis_client = stopped_redis.start()
    sweep = services.import_job_sweep()

    assert sweep.sent == [job.pk]
    queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
    assert [_task_and_args(raw) for raw in redis_client.lrange(queue, 0, -1)] == [
        ("fieldwork.import_job_run", [job.pk])
    ]
    assert services.import_job_sweep().sent == []  # sent once, not again
    # What the worker does with that message:
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.source == interview.source
    assert Source.objects.count() == 1 and Interview.objects.count() == 1
    assert interview.source.segments.count() == len(TURNS)


# --- a real worker killed mid-import --------------------------------------------------------

needs_postgres_and_broker = pytest.mark.skipif(
    connection.vendor != "postgresql"
    or not (django_settings.CELERY_BROKER_URL or os.environ.get("CELERY_WORKER_REQUIRED")),
    reason="Needs PostgreSQL and a broker (CI): the worker subprocess shares the test database.",
)


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def _start_worker(tmp_path: Path, name: str, private_media: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "DJANGO_DEBUG": "1",
        "DJANGO_PRIVATE_MEDIA_ROOT": str(private_media),
        "IMPORT_LEASE_SECONDS": "2",
        "IMPORT_SWEEP_SECONDS": "1",
        "IMPORT_TEST_DELAY_PER_TURN": "1",  # holds the import's transaction open for 4 s
    }
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dwr_project", "worker", "-B"]
        + ["--concurrency=1", "--loglevel=WARNING", "-n", f"{name}@%h"]
        + ["-s", str(tmp_path / f"{name}-beat")],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL takes the pool and beat too
    )


def _stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _wait_for(job: ImportJob, test, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if test(job):
            return
        time.sleep(0.1)
    pytest.fail(f"{what}: job is {job.status} at {job.progress}% ({job.error})")


@needs_postgres_and_broker
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_is_replaced_and_the_job_lands_exactly_one_source(
    site_a, researcher, tmp_path, private_media
):
    assert django_settings.CELERY_BROKER_URL, "CELERY_WORKER_REQUIRED is set but no broker"
    app.control.purge()  # messages left in the queue by earlier runs
    first = _start_worker(tmp_path, "first", private_media)
    second = None
    try:
        job = services.import_job_create(
            site=site_a, actor=researcher, file=upload("helen.txt", txt_transcript(TURNS))
        )
        # Progress 60: the first worker is inside the import's transaction, writing turns.
        _wait_for(job, lambda j: j.progress == 60, 60, "the first worker never started")
        time.sleep(1)
        _stop(first, signal.SIGKILL)

        job.refresh_from_db()
        assert job.status == ImportStatus.RUNNING and job.attempts == 1  # what it left behind
        assert Source.objects.count() == 0 and Segment.objects.count() == 0

        second = _start_worker(tmp_path, "second", private_media)
        _wait_for(job, lambda j: j.status == ImportStatus.SUCCEEDED, 60, "never finished")
    finally:
        _stop(first, signal.SIGKILL)
        if second is not None:
            _stop(second)
    assert job.attempts == 2
    assert Source.objects.count() == 1 and job.source.segments.count() == len(TURNS)
    assert Segment.objects.exclude(source=job.source).count() == 0  # no orphan turns
    assert AuditEvent.objects.filter(verb="import.requeue", object_id=str(job.pk)).count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Two runs at once need PostgreSQL's row locking."
)
@pytest.mark.django_db(transaction=True)
def test_a_slow_run_that_was_given_up_on_cannot_land_a_second_source(site_a, researcher, settings):
    import threading

    settings.IMPORT_TEST_DELAY_PER_TURN = 0.5  # each run holds its transaction for 2 s
    job = queued_job(site_a, researcher)

    def slow_run() -> None:
        try:
            services.import_job_run(job_id=job.pk)
        finally:
            connection.close()

    first = threading.Thread(target=slow_run)
    first.start()
    _wait_for(job, lambda j: j.progress == 60, 30, "the first run never started")
    # Its lease looks run out to a sweep a minute from now: the job is taken back and run
    # again here (tasks are eager in this test) while the first run is still writing.
    later = timezone.now() + datetime.timedelta(seconds=django_settings.IMPORT_LEASE_SECONDS)
    sweep = services.import_job_sweep(now=later)
    first.join()

    assert sweep.requeued == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.attempts == 2
    assert Source.objects.count() == 1 and Segment.objects.exclude(source=job.source).count() == 0
