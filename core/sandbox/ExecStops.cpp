// An execve's seccomp stop: the filename it was given and the fd table just before it, kept per
// thread until its exec stop (a failed exec is followed by another attempt, or by nothing).
//
// Every exec of a process with only forklab's seccomp filter stops at our trap first, so the
// thread's latest attempt is the one that succeeded. A filter of the program's own can take an
// execve from ours (SECCOMP_RET_USER_NOTIF outranks RET_TRACE, and its supervisor may let the
// call go on): from the moment it installs one (Trap::Seccomp), a failed attempt is dropped at
// its exit stop, so it never passes for a later exec's.
#include "TracerState.hpp"

#include "core/probe/FdTable.hpp"

namespace forklab::tracer {

// At an execve's seccomp stop; t.exec.path is read.
void Tracer::beforeExec(Task& t, Proc& p) {
    if (p.ownSeccomp) {
        // Its exit stop comes only if the exec fails (a successful one is resumed from its exec
        // stop, without syscall stops), and drops what was read here.
        t.pending = PendingSyscall{};
        t.pending.kind = PendingSyscall::Exec;
        t.resumeToSyscallExit = true;
    }
    if (!opt_.snapshots) return;
    ProcessSnapshot s = readStop(p.pid);
    // A thread that called unshare(CLONE_FILES) has a table of its own, and exec keeps that one:
    // /proc/PID/fd is the leader's.
    if (t.tid != p.pid) {
        auto own = ProcDir::openTask(p.pid, t.tid);
        bool partial = !own;
        s.fds = own ? readFdTable(*own, &partial, false) : std::vector<FdEntry>{};
        s.partial |= partial;
    }
    t.exec.before = record(p.pid, SnapReason::PreExec, std::move(s));
}

// A program installs a seccomp filter (or tries to): from now on its execs may bypass our trap.
void Tracer::onOwnSeccomp(Proc& p) {
    p.ownSeccomp = true;
    for (auto& [tid, t] : tasks_) // read at earlier stops: not known to be about the next exec
        if (t.tgid == p.pid) t.exec = {};
}

} // namespace forklab::tracer
