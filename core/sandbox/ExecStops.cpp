// The stops around an exec. The table before it is read at its execve stop; the one after is
// derived from it where that is exact (ExecTable.hpp), else read at the exec stop.
//
// Every exec of a process with only forklab's seccomp filter stops at our trap first, so the
// table read there is the one before it (failed attempts in between are replaced by the next).
// A filter of the program's own can take an execve from ours (SECCOMP_RET_USER_NOTIF outranks
// RET_TRACE, and its supervisor may let the call go on): from the moment it installs one
// (Trap::Seccomp), a failed attempt drops its table and the table after an exec is read.
#include "TracerState.hpp"

namespace forklab::tracer {

// At an execve's seccomp stop.
void Tracer::beforeExec(Task& t, Proc& p) {
    if (!opt_.snapshots) return;
    p.preExec = snapshot(p.pid, SnapReason::PreExec);
    if (!p.ownSeccomp) return;
    // Its exit stop comes only if the exec fails: a successful one is resumed from its exec
    // stop, without syscall stops.
    t.pending = PendingSyscall{};
    t.pending.kind = PendingSyscall::Exec;
    t.resumeToSyscallExit = true;
}

// A program installs a seccomp filter (or tries to): from now on its execs may bypass our trap.
void Tracer::onOwnSeccomp(Proc& p) {
    p.ownSeccomp = true;
    // Read at an earlier execve stop: not known to be about the next exec.
    p.preExec = kNoSnap;
    p.execPath.clear();
}

SnapId Tracer::snapshotAfterExec(Proc& p, const std::vector<std::string>& execArgv) {
    std::optional<ProcessSnapshot> derived;
    if (opt_.deriveExecTables && p.preExec != kNoSnap && !p.filesShared && !p.ownSeccomp)
        if (auto dir = procDir(p.pid))
            if (auto fds = dir->listNumbers("fd"))
                derived = tableAfterExec(trace_.snapshot(p.preExec), *fds);
    p.filesShared = false; // exec gave it a table of its own (unshare_files)
    if (!derived) return snapshot(p.pid, SnapReason::Exec, execArgv);
    return record(p.pid, SnapReason::Exec, std::move(*derived), execArgv);
}

} // namespace forklab::tracer
