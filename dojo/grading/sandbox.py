"""The cage a graded worker runs in: plain Linux processes, no Docker.

With bubblewrap (Debian's `bubblewrap`): a new mount, PID, network, IPC and UTS namespace that sees only the
Python installation and the worker's own folder, a private HOME and /tmp, no network, and the uid `nobody`
when the grader runs as root. Without it, `unshare` gives the network and PID namespaces (as root, keeping
the uid), and without either the worker runs with limits only, after a printed warning. Resource limits apply in every
case. The trusted test process is never caged: only the worker that runs student code is.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534
# Threads take their stack size from RLIMIT_STACK: 1 MiB stacks (and two malloc arenas) let 300 threads
# start under a 1 GiB address-space limit, where the default 8 MiB stacks stop near 120 (measured).
THREAD_STACK = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024
    cpu_seconds: int = 60
    file_mb: int = 64
    processes: int = 4096

    def apply(self) -> None:
        """Set in the child before exec; inherited by everything it starts."""
        memory = self.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_STACK, (THREAD_STACK, THREAD_STACK))
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_mb * 1024 * 1024,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if os.getuid() != 0:  # for root, RLIMIT_NPROC is not enforced; the PID namespace bounds the tree
            resource.setrlimit(resource.RLIMIT_NPROC, (self.processes, self.processes))


def mechanism() -> str:
    """bwrap, unshare (root only) or none."""
    if shutil.which("bwrap"):
        return "bwrap"
    if shutil.which("unshare") and os.getuid() == 0:
        return "unshare"
    return "none"


@dataclass(frozen=True)
class Sandbox:
    """How to start one caged worker: `command(argv, home)`, `environment(home)`, and `limits.apply` to run
    in the child before exec."""

    limits: Limits
    mechanism: str

    @classmethod
    def detect(cls, limits: Limits) -> Sandbox:
        """The best cage this machine offers; `dojo.grader` tells the instructor when it is a weak one."""
        return cls(limits, mechanism())

    def command(self, argv: list[str], home: Path) -> list[str]:
        """`argv` (the worker's command line, paths inside `home`) wrapped in the cage."""
        if self.mechanism == "bwrap":
            return [*self._bwrap(home), "--", *self._drop_privileges(), *argv]
        if self.mechanism == "unshare":
            # No uid change here: outside a mount namespace the interpreter may sit where `nobody` cannot
            # read it (a 0700 /root). Network and PID isolation, and the limits, still apply.
            return ["unshare", "--net", "--pid", "--fork", "--kill-child", *argv]
        return argv

    def environment(self, home: Path) -> dict[str, str]:
        inside = "/sandbox/home" if self.mechanism == "bwrap" else str(home / "home")
        return {"HOME": inside, "TMPDIR": "/tmp", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                "MALLOC_ARENA_MAX": "2"}

    def _drop_privileges(self) -> list[str]:
        if os.getuid() != 0 or not shutil.which("setpriv"):
            return []
        return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]

    def _bwrap(self, home: Path) -> list[str]:
        # Private /tmp and HOME first: binds made before them would be hidden (a venv under /tmp, say).
        binds = ["--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp",
                 "--perms", "0777", "--tmpfs", "/sandbox/home"]
        # The interpreter, its standard library and the environment's site-packages, read-only.
        shown = [p for p in sorted({sys.base_prefix, sys.prefix, "/usr", "/etc/ssl", "/etc/alternatives"})
                 if Path(p).exists()]
        # Folders on the way to them are made traversable: bwrap would copy a 0700 /root's mode.
        ancestors = sorted({str(a) for p in [*shown, str(home)] for a in Path(p).parents if str(a) != "/"},
                           key=lambda a: a.count("/"))
        for folder in ancestors:
            binds += ["--perms", "0755", "--dir", folder]
        for path in shown:
            binds += ["--ro-bind", path, path]
        for name in ("lib", "lib64", "bin", "sbin"):
            if Path(f"/{name}").is_symlink():
                binds += ["--symlink", os.readlink(f"/{name}"), f"/{name}"]
            elif Path(f"/{name}").is_dir():
                binds += ["--ro-bind", f"/{name}", f"/{name}"]
        return [
            "bwrap", *binds,
            "--bind", str(home), str(home),
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--new-session",
            "--chdir", str(home),
        ]
