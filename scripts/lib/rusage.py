#!/usr/bin/python3
"""rusage.py OUT CMD...: runs CMD and writes to OUT its wall time, the user
and system CPU time of CMD and of every process under it, and the peak RSS
of the largest of them.

GNU time (wait4 of its one child) misses what GPGME runs: GPGME starts gpg
through an intermediate child that exits at once (no zombies), so gpg is
re-parented, and its CPU time never reaches embargod's children's times.
Here this process is a child subreaper (prctl PR_SET_CHILD_SUBREAPER): such
orphans become its children, and reaping them adds their times to its
RUSAGE_CHILDREN. Once CMD has exited, descendants still running (a daemon
like gpg-agent started under it) are waited for at most 2 s, then left
alone and counted in the report. Also reported: the CPU of CMD and of the
children it waited for itself ("own"), and how many re-parented
descendants were reaped here (for embargod: the gpg runs). Exit status:
CMD's."""
import ctypes
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("rusage.py: prctl(PR_SET_CHILD_SUBREAPER) failed", file=sys.stderr)
        return 70
    start = time.monotonic()
    child = subprocess.Popen(cmd)
    rc = None
    orphans = 0  # re-parented descendants reaped here (GPGME's gpg runs)
    own = None   # CMD and the children it waited for itself
    while rc is None:
        pid, status, ru_pid = os.wait4(-1, 0)
        if pid == child.pid:
            rc = os.waitstatus_to_exitcode(status)
            own = ru_pid
        else:
            orphans += 1
    wall = time.monotonic() - start
    left = 0
    deadline = time.monotonic() + 2
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if time.monotonic() > deadline:
                left = 1
                break
            time.sleep(0.01)
        else:
            orphans += 1
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        f.write("Elapsed (wall clock) time (s): %.3f\n" % wall)
        f.write("User time (seconds): %.2f\n" % ru.ru_utime)
        f.write("System time (seconds): %.2f\n" % ru.ru_stime)
        f.write("Maximum resident set size (kbytes): %d\n" % ru.ru_maxrss)
        f.write("Command's own CPU (s): %.2f\n" % (own.ru_utime + own.ru_stime))
        f.write("Re-parented descendants: %d\n" % orphans)
        f.write("Descendants still running: %d\n" % left)
        f.write("Exit status: %d\n" % (rc if rc >= 0 else 128 - rc))
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main())
