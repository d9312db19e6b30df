"""The nginx configuration of ``deploy/``: nginx itself accepts every variant we generate.

Needs Debian's nginx (``.ci/run`` installs it); without it these tests fail, they do not skip.
The browser tests of the running topology are in ``tests/browser/test_deploy.py``.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from deploy.nginx_config import Replica, http_config, replicas_at, standalone_config

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
EXAMPLE = "deploy/nginx-two-machines.conf"


@pytest.fixture(scope="module")
def nginx():
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"{NGINX} is missing: `apt-get install nginx` (as .ci/run does)")
    return NGINX


def nginx_test(nginx, workdir, conf_text, as_user=None):
    """``nginx -t`` on a whole configuration; returns (exit code, output)."""
    (workdir / "temp").mkdir(exist_ok=True)
    conf = workdir / "nginx.conf"
    conf.write_text(conf_text)
    cmd = [nginx, "-t", "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")]
    if as_user:
        entry = pwd.getpwnam(as_user)
        cmd = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups",
               *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    return result.returncode, result.stderr


@pytest.mark.parametrize("n_replicas, affinity", [(1, True), (2, True), (5, True), (2, False)])
def test_nginx_accepts_the_generated_configuration(nginx, tmp_path, n_replicas, affinity):
    replicas = replicas_at([f"127.0.0.1:{8501 + i}" for i in range(n_replicas)])
    block = http_config(replicas, listen="127.0.0.1:18999", affinity=affinity)
    user = "nobody nogroup" if os.geteuid() == 0 else None
    code, output = nginx_test(nginx, tmp_path, standalone_config(tmp_path, block, user=user))
    assert code == 0, output
    assert "warn" not in output and "emerg" not in output, output


def test_nginx_accepts_it_as_an_unprivileged_user(nginx, tmp_path):
    """deploy/serve also runs without root: no `user` directive, nothing outside its folder."""
    if os.geteuid() != 0:
        workdir, as_user = tmp_path, None
    else:  # CI runs as root: try it as nobody, in a folder nobody owns
        workdir, as_user = Path(tempfile.mkdtemp(prefix="nginx-unprivileged-")), "nobody"
        (workdir / "temp").mkdir()
        for path in (workdir, workdir / "temp"):
            shutil.chown(path, as_user)
    try:
        block = http_config(replicas_at(["127.0.0.1:8501", "127.0.0.1:8502"]),
                            listen="127.0.0.1:18998")
        code, output = nginx_test(nginx, workdir, standalone_config(workdir, block),
                                  as_user=as_user)
        assert code == 0, output
        assert "warn" not in output and "emerg" not in output, output
    finally:
        if as_user:
            shutil.rmtree(workdir, ignore_errors=True)


def test_the_example_for_two_machines_is_what_serve_prints(repo_root, nginx, tmp_path):
    example = (repo_root / EXAMPLE).read_text()
    command = example.splitlines()[0].removeprefix("# Made with: ")
    argv = shlex.split(command)
    assert argv[:2] == ["deploy/serve", "--print-config"]
    printed = subprocess.run([sys.executable, str(repo_root / argv[0]), *argv[1:]],
                             capture_output=True, text=True, check=True, cwd=repo_root).stdout
    assert printed == example, f"{EXAMPLE} is out of date: regenerate it with {command}"
    # It is the inside of an http {} block, as Debian's /etc/nginx/conf.d/*.conf are.
    wrapper = standalone_config(tmp_path, f"include {repo_root / EXAMPLE};")
    code, output = nginx_test(nginx, tmp_path, wrapper)
    assert code == 0, output


def test_upload_limit_follows_streamlit_and_timeouts_suit_websockets():
    text = http_config(replicas_at(["127.0.0.1:8501"]), max_upload_mb=1)
    assert "client_max_body_size 1088k;" in text  # 1 MB plus the multipart envelope
    stream = text[text.index("location = /_stcore/stream"):]
    assert "proxy_set_header Upgrade $http_upgrade;" in stream
    assert "proxy_read_timeout 3600s;" in stream and "proxy_buffering off;" in stream


def test_affinity_off_is_plain_round_robin():
    text = http_config(replicas_at(["127.0.0.1:8501", "127.0.0.1:8502"]), affinity=False)
    assert "least_conn" not in text and "Set-Cookie" not in text and "backup" not in text


@pytest.mark.parametrize("name, address", [("r 1", "127.0.0.1:1"), ("r1", "127.0.0.1"),
                                           ("r1", "host:80; evil")])
def test_bad_replicas_are_refused(name, address):
    with pytest.raises(ValueError):
        Replica(name, address)


def test_replica_names_must_differ():
    with pytest.raises(ValueError, match="differ"):
        http_config([Replica("a", "127.0.0.1:1"), Replica("a", "127.0.0.1:2")])
