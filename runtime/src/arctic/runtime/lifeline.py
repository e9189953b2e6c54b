"""Children that end with the process that started them, however it ends.

`arctic up` starts NATS, PostgreSQL and the services in sessions of their own (so that a
Ctrl-C reaches only `arctic up`, which stops them in order). Its signal handlers stop them
when it is asked to stop; when it is killed outright nothing of it runs any more, so each
child must notice by itself. Linux does that for us: the parent-death signal
(`prctl(PR_SET_PDEATHSIG)`) is delivered to a process when the thread that forked it ends.

The signal must be set in the child, between fork and exec, and after any change of user
(a change of credentials clears it). CPython's `preexec_fn` is unsafe in a process with
threads, so the child runs this module first:

    python -m arctic.runtime.lifeline PARENT_PID SIGNAL [--user NAME] -- COMMAND ...

which drops to `--user` (when given), sets the parent-death signal, checks that the parent
is still the one it was started by (it may have died before the signal was set), and
replaces itself with COMMAND (exec keeps the setting).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import pwd
import signal
import sys
from collections.abc import Sequence

_PR_SET_PDEATHSIG = 1


def command(
    args: Sequence[str], sig: signal.Signals = signal.SIGTERM, user: str | None = None
) -> list[str]:
    """`args` wrapped so that the process receives `sig` when this process ends."""
    wrapper = [sys.executable, "-m", "arctic.runtime.lifeline", str(os.getpid()), sig.name]
    if user is not None:
        wrapper += ["--user", user]
    return [*wrapper, "--", *args]


def _set_parent_death_signal(sig: signal.Signals) -> None:
    if not sys.platform.startswith("linux"):
        return  # elsewhere the parent's signal handlers are the only guard
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def _become(user: str) -> None:
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    os.environ.update(HOME=entry.pw_dir, USER=user, LOGNAME=user)


def main(argv: Sequence[str] | None = None) -> None:
    """Run COMMAND as a child that follows its parent's death (see the module's docstring)."""
    given = list(sys.argv[1:] if argv is None else argv)
    if "--" not in given or given.index("--") == len(given) - 1:
        sys.exit("usage: python -m arctic.runtime.lifeline PARENT SIGNAL [--user NAME] -- COMMAND")
    split = given.index("--")
    parser = argparse.ArgumentParser(prog="python -m arctic.runtime.lifeline")
    parser.add_argument("parent", type=int)
    parser.add_argument("signal", choices=[s.name for s in signal.Signals])
    parser.add_argument("--user")
    args = parser.parse_args(given[:split])
    run = given[split + 1 :]
    if args.user:
        _become(args.user)
    _set_parent_death_signal(signal.Signals[args.signal])
    if os.getppid() != args.parent:
        sys.exit(f"lifeline: parent {args.parent} ended before {run[0]} started")
    os.execvp(run[0], run)  # noqa: S606 (exec is the point: the command replaces us)


if __name__ == "__main__":
    main()
