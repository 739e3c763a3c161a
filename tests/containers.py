"""Podman for tier 3: a stand-in `python:X.Y-slim` base and builds of rendered Dockerfiles.

No registry is reachable from the test machines, so `python:X.Y-slim` cannot be
pulled. `stand_in_python_base` makes an image with that name instead: a Debian
bookworm minbase root file system (debootstrap) plus a local CPython build of the
same minor version under /usr/local, like the official image. It is cached by tag,
so only the first run pays for it. The rendered Dockerfile is then built
unmodified with `--pull=never`.

Podman's settings come from tests/containers/ through CONTAINERS_CONF and
CONTAINERS_STORAGE_CONF, so the tests work without touching /etc/containers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.services import ServiceUnavailable

CONFIG_DIR = Path(__file__).resolve().parent / "containers"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Shared libraries CPython's extension modules link against (ssl, sqlite3, ctypes, ...).
BASE_PACKAGES = [
    "ca-certificates",
    "libbz2-1.0",
    "libexpat1",
    "libffi8",
    "liblzma5",
    "libncursesw6",
    "libreadline8",
    "libsqlite3-0",
    "libssl3",
    "libuuid1",
    "zlib1g",
]
# Parts of a CPython install the slim image does not ship either (the static
# library alone is 60 MB).
UNSHIPPED = ["test", "idlelib", "tkinter", "turtledemo", "*.a"]


def podman_env() -> dict[str, str]:
    return os.environ | {
        "CONTAINERS_CONF": str(CONFIG_DIR / "containers.conf"),
        "CONTAINERS_STORAGE_CONF": str(CONFIG_DIR / "storage.conf"),
    }


def require_tools() -> None:
    for tool in ("podman", "debootstrap"):
        if shutil.which(tool) is None:
            raise ServiceUnavailable(
                f"{tool} is not installed (apt-get install podman debootstrap)"
            )


def podman(
    *args: str, timeout: float = 900, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["podman", *args],
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if check:
        assert result.returncode == 0, (
            f"podman {' '.join(args)} failed:\n{(result.stdout + result.stderr)[-6000:]}"
        )
    return result


def image_exists(tag: str) -> bool:
    return podman("image", "exists", tag, check=False).returncode == 0


def image_size(tag: str) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())


def base_tag(python_version: str) -> str:
    return f"docker.io/library/python:{python_version}-slim"


def stand_in_python_base(python_version: str, python: str) -> str:
    """The `python:X.Y-slim` stand-in, built once and then reused by tag."""
    tag = base_tag(python_version)
    if image_exists(tag):
        return tag
    with tempfile.TemporaryDirectory(prefix="python-slim-") as workdir:
        rootfs = Path(workdir, "rootfs")
        _debootstrap(rootfs)
        _install_python(rootfs, python, python_version)
        _import_rootfs(rootfs, tag)
    return tag


def _debootstrap(rootfs: Path) -> None:
    subprocess.run(
        [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(BASE_PACKAGES)}",
            "bookworm",
            str(rootfs),
            "http://deb.debian.org/debian",
        ],
        check=True,
        capture_output=True,
        timeout=900,
    )
    for package in (rootfs / "var" / "cache" / "apt" / "archives").glob("*.deb"):
        package.unlink()


def _install_python(rootfs: Path, python: str, version: str) -> None:
    """Copy a local CPython X.Y to /usr/local, with pip but no other packages."""
    prefix = Path(python).resolve().parent.parent
    target = rootfs / "usr" / "local"
    stdlib = f"lib/python{version}"
    ignore = shutil.ignore_patterns("__pycache__", *UNSHIPPED)
    for part in ("bin", "include", "lib"):
        shutil.copytree(
            prefix / part, target / part, dirs_exist_ok=True, ignore=ignore, symlinks=True
        )
    site_packages = target / stdlib / "site-packages"
    for entry in site_packages.iterdir():
        if not entry.name.startswith(("pip", "README")):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for name, points_to in (("python", f"python{version}"), ("python3", f"python{version}")):
        link = target / "bin" / name
        link.unlink(missing_ok=True)
        link.symlink_to(points_to)
    # The host's CA bundle: HTTPS to the package index may pass a TLS-inspecting proxy.
    shutil.copyfile(HOST_CA_BUNDLE, rootfs / "etc" / "ssl" / "certs" / "ca-certificates.crt")
    subprocess.run(["chroot", str(rootfs), "ldconfig"], check=True, capture_output=True)


def _import_rootfs(rootfs: Path, tag: str) -> None:
    ca_bundle = "/etc/ssl/certs/ca-certificates.crt"
    changes = [
        "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8",
        f"ENV SSL_CERT_FILE={ca_bundle}",
        f"ENV PIP_CERT={ca_bundle}",
        f"ENV REQUESTS_CA_BUNDLE={ca_bundle}",
        'CMD ["python3"]',
    ]
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    result = subprocess.run(
        ["podman", "import", *(f"--change={c}" for c in changes), "-", tag],
        stdin=tar.stdout,
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    tar.wait()
    assert result.returncode == 0, result.stderr


def build_image(project: Path, tag: str) -> str:
    """Build the rendered Dockerfile as it is: no registry, chroot isolation, host network."""
    podman(
        "build",
        "--isolation=chroot",
        "--pull=never",
        "--format=docker",
        "--network=host",
        "--tag",
        tag,
        str(project),
        timeout=1200,
    )
    return tag
