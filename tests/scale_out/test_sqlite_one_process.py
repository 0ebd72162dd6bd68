"""SQLite runs one viltbot process: a second `worker` or `serve` on the same file is refused
and the first carries on."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.workers import worker_env
from bot.single_process import REFUSAL


def wait_for_lock(lock: Path, pid: int) -> None:
    for _ in range(300):
        if lock.exists() and lock.read_text().strip() == str(pid):
            return
        time.sleep(0.05)
    raise TimeoutError("the first worker did not start")


def viltbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_second_process_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "viltbot.db"
    env = worker_env(f"sqlite:///{database}", "http://127.0.0.1:9/api/", "http://127.0.0.1:9")
    first = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_lock(tmp_path / "viltbot.db.lock", first.pid)
        for command in (["worker"], ["serve", "--port", "9"]):
            refused = viltbot(*command, env=env, cwd=tmp_path)
            assert refused.returncode == 2
            assert REFUSAL in refused.stderr
            assert str(database) in refused.stderr
        # One-shot commands run beside it.
        assert viltbot("sync", env=env, cwd=tmp_path).stdout == "no session is due for sync\n"
        assert first.poll() is None
    finally:
        first.terminate()
        assert first.wait(timeout=20) == 0
    # Once the first is gone, a new one starts.
    again = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_lock(tmp_path / "viltbot.db.lock", again.pid)
    finally:
        again.terminate()
        again.wait(timeout=20)
