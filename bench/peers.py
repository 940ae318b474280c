"""Side-by-side servers for the peer benchmarks: this app under gunicorn, and Taguette 1.5.2
under its own Tornado server, both on 127.0.0.1 and driven over HTTP by the same client.

Taguette is installed into its own virtual environment (TAGUETTE_VENV, default
/tmp/taguette-venv) on first use: `python3.11 -m venv … && pip install taguette==1.5.2`.
It runs in single-user mode with a throwaway SQLite database; the client logs in with the
join token Taguette prints, exactly as a person following its link does.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TAGUETTE_VERSION = "1.5.2"


class Client:
    """One keep-alive connection with hand-kept cookies (this app sets them Secure, as in
    production; the client plays the TLS-terminating proxy with X-Forwarded-Proto)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)

    def request(self, method: str, path: str, body=None, headers=None):
        all_headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Origin": f"https://{HOST}:{self.port}",
            "Referer": f"https://{HOST}:{self.port}/",
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for name in ("csrftoken", "_xsrf"):
            if name in self.cookies:
                all_headers["X-CSRFToken" if name == "csrftoken" else "X-XSRFToken"] = self.cookies[
                    name
                ]
        all_headers.update(headers or {})
        self.conn.request(method, path, body=body, headers=all_headers)
        response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0].strip('"')
        return response.status, data, response

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict):
        return self.request(
            "POST",
            path,
            urlencode(fields, doseq=True),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_json(self, path: str, payload: dict):
        return self.request("POST", path, json.dumps(payload), {"Content-Type": "application/json"})

    def post_multipart(self, path: str, fields: dict, files: dict):
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
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
            "POST",
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


def wait_for(port: int, path: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path, headers={"X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


# --- Taguette ------------------------------------------------------------------------------


def taguette_bin() -> str:
    venv = Path(os.environ.get("TAGUETTE_VENV", "/tmp/taguette-venv"))
    binary = venv / "bin" / "taguette"
    if not binary.exists():
        subprocess.run(["python3.11", "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", f"taguette=={TAGUETTE_VERSION}"],
            check=True,
        )
    return str(binary)


class Taguette:
    def __init__(self, port: int = 7471) -> None:
        self.port = port
        self.tmp = tempfile.mkdtemp(prefix="taguette-bench-")
        self.process: subprocess.Popen | None = None
        self.client = Client(port)

    def __enter__(self) -> Taguette:
        self.process = subprocess.Popen(
            [
                taguette_bin(),
                "--no-browser",
                "--port",
                str(self.port),
                "--database",
                f"sqlite:///{self.tmp}/taguette.sqlite3",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "HOME": self.tmp},
        )
        token = None
        deadline = time.monotonic() + 60
        while token is None and time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                raise SystemExit("Taguette stopped before it printed its link")
            match = re.search(r"\?token=(\w+)", line)
            token = match.group(1) if match else None
        # Keep draining Taguette's log so its pipe never fills.
        subprocess.Popen(["cat"], stdin=self.process.stdout, stdout=subprocess.DEVNULL)
        self.client.cookies["cookies_accepted"] = "yes"
        self.client.get(f"/?token={token}")
        self.client.get("/project/new")  # its form sets the _xsrf cookie
        return self

    def __exit__(self, *exc) -> None:
        if self.process:
            stop(self.process)

    def xsrf(self) -> dict:
        return {"_xsrf": self.client.cookies.get("_xsrf", "")}

    def project_create(self, name: str) -> int:
        status, _, response = self.client.post_form(
            "/project/new", {"name": name, "description": "", **self.xsrf()}
        )
        location = response.getheader("Location") or ""
        match = re.search(r"/project/(\d+)", location)
        if not match:
            raise SystemExit(f"Taguette did not create the project ({status})")
        return int(match.group(1))

    def document_upload(self, project: int, name: str, html: bytes) -> tuple[int, dict]:
        status, data, _ = self.client.post_multipart(
            f"/api/project/{project}/document/new",
            {"name": name, "description": "", **self.xsrf()},
            {"file": (f"{name}.html", html, "text/html")},
        )
        assert status == 200, data
        return status, json.loads(data)

    def project_page(self, project: int) -> int:
        return self.client.get(f"/project/{project}")[0]

    def tag_create(self, project: int, path: str) -> int:
        status, data, _ = self.client.post_json(
            f"/api/project/{project}/tag/new?" + urlencode(self.xsrf()),
            {"path": path, "description": ""},
        )
        assert status == 200, data
        return json.loads(data)["id"]

    def highlight_create(self, project: int, document: int, start: int, end: int, tag: int):
        status, data, _ = self.client.post_json(
            f"/api/project/{project}/document/{document}/highlight/new?" + urlencode(self.xsrf()),
            {"start_offset": start, "end_offset": end, "tags": [tag]},
        )
        assert status == 200, data
        return status

    def document_contents(self, project: int, document: int) -> int:
        return self.client.get(f"/api/project/{project}/document/{document}/contents")[0]


# --- this app ------------------------------------------------------------------------------


def app_env(database_url: str) -> dict[str, str]:
    tmp = tempfile.mkdtemp(prefix="dwr-peer-")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dwr_project.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_STATIC_MANIFEST": "0",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "",
        "DJANGO_PRIVATE_MEDIA_ROOT": f"{tmp}/private",
        "DJANGO_MEDIA_ROOT": f"{tmp}/media",
    }


class App:
    """gunicorn, one sync worker (Taguette is one process too), on the given database."""

    def __init__(self, env: dict, port: int = 8131) -> None:
        self.env = env
        self.port = port
        self.process: subprocess.Popen | None = None
        self.client = Client(port)

    def __enter__(self) -> App:
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "dwr_project.wsgi",
                "--workers",
                "1",
                "--bind",
                f"{HOST}:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        wait_for(self.port, "/healthz")
        return self

    def __exit__(self, *exc) -> None:
        if self.process:
            stop(self.process)

    def login(self, username: str, password: str) -> None:
        self.client.get("/accounts/login/")
        status, _, _ = self.client.post_form(
            "/accounts/login/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
        )
        assert status == 302, f"login answered {status}"

    def csrf(self) -> dict:
        return {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
