"""The production deployment's files read as systemd reads them, the server started as the
unit starts it, and an HTTP client that talks to it as the reverse proxy does.

- `env_file(path)`: the NAME=value lines of an EnvironmentFile. Only plain values are
  accepted (no quotes, backslashes or spaces), for which systemd's reading and a POSIX
  shell's `set -a; . FILE` (deploy/candour-admin) agree.
- `unit(path)`: the [Service] settings of a systemd unit, each a list of its values.
- `ProductionServer`: the unit's ExecStart= (the program's installed path replaced by this
  checkout's), with the environment file and the overrides a test needs, in a clean
  environment as systemd gives a service; stopped with SIGTERM as systemd stops it.
- `Proxied`: requests with the headers deploy/nginx/candour.conf adds (Host, X-Forwarded-
  Proto https, X-Real-IP), keeping cookies as a browser would.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
ENV_FILE = DEPLOY / "candour.env.example"
UNIT_FILE = DEPLOY / "systemd" / "candour-web.service"
INSTALLED_PROGRAM = "/opt/candour/.venv/bin/candour"  # docs/deployment.md installs it there
PROGRAM = Path(sys.executable).parent / "candour"
PLAIN_VALUE = re.compile(r"[^\s'\"\\]*")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, equals, value = line.partition("=")
        assert equals and NAME.fullmatch(name), f"{path.name}:{number}: not NAME=value"
        assert PLAIN_VALUE.fullmatch(value), f"{path.name}:{number}: {name} is not a plain value"
        values[name] = value
    return values


def unit(path: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    section = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        if section == "Service":
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def free_port() -> int:
    """A port in CANDOUR_TEST_PORTS (first-last, default 8101-8109) that nothing listens
    on, starting at one per pytest-xdist worker so that two workers do not race for one."""
    first, last = (int(p) for p in os.environ.get("CANDOUR_TEST_PORTS", "8101-8109").split("-"))
    worker = int(re.sub(r"\D", "", os.environ.get("PYTEST_XDIST_WORKER", "gw0")) or 0)
    ports = list(range(first, last + 1))
    start = worker % len(ports)
    for port in ports[start:] + ports[:start]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last} (CANDOUR_TEST_PORTS)")


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for the database a Django connection uses."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{settings_dict['NAME']}"


class ProductionServer:
    def __init__(self, overrides: dict[str, str], logs: Path):
        service = unit(UNIT_FILE)
        (exec_start,) = service["ExecStart"]
        command = shlex.split(exec_start)
        assert command[0] == INSTALLED_PROGRAM, command
        self.command = [str(PROGRAM), *command[1:]]
        (environment_file,) = service["EnvironmentFile"]
        assert environment_file == "/etc/candour/candour.env"
        # systemd gives a service no environment of its own but what the unit names.
        self.env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
        self.env.update(env_file(ENV_FILE))
        self.env.update(overrides)
        self.port = int(self.env["CANDOUR_BIND"].rsplit(":", 1)[1])
        self.logs = logs
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> float:
        """Start the server and wait until /readyz says ready; returns the seconds taken."""
        started = time.monotonic()
        with (self.logs / "stdout").open("wb") as out, (self.logs / "stderr").open("wb") as err:
            self.process = subprocess.Popen(
                self.command, env=self.env, cwd=self.logs, stdout=out, stderr=err
            )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise AssertionError(f"the server stopped at start:\n{self.output()}")
            try:
                status, _, _ = self.request("GET", "/readyz", {"Host": "127.0.0.1"})
            except OSError:
                status = None
            if status == 200:
                return time.monotonic() - started
            time.sleep(0.2)
        raise AssertionError(f"not ready after {timeout} s:\n{self.output()}")

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, as systemd stops a service; the exit status."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def output(self) -> str:
        return (self.logs / "stdout").read_text() + (self.logs / "stderr").read_text()

    def log_lines(self) -> list[dict]:
        """Every line the server wrote, each of which must be a JSON object."""
        lines = [line for line in self.output().splitlines() if line.strip()]
        return [json.loads(line) for line in lines]

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.msg, response.read()
        finally:
            connection.close()


class Proxied:
    """A browser behind deploy/nginx/candour.conf."""

    def __init__(self, server: ProductionServer, host: str, client_address: str):
        self.server = server
        self.host = host
        self.client_address = client_address
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[SimpleCookie] = []

    def _headers(self, extra: dict | None) -> dict:
        headers = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "X-Real-IP": self.client_address,
            "Accept-Encoding": "identity",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _keep(self, message) -> None:
        for value in message.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            self.set_cookies.append(cookie)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str, headers: dict | None = None):
        status, message, body = self.server.request("GET", path, self._headers(headers))
        self._keep(message)
        return status, message, body

    def post(self, path: str, data: dict):
        headers = self._headers(
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{self.host}",
            }
        )
        body = urlencode(data).encode()
        status, message, body = self.server.request("POST", path, headers, body)
        self._keep(message)
        return status, message, body
