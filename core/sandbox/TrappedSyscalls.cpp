// The syscalls the seccomp filter traps (SeccompFilter.hpp), each checked against the syscall
// really made before it becomes an event.
#include "TracerState.hpp"

namespace forklab::tracer {
namespace {

// The syscall a seccomp stop is for, as the kernel reports it from the stopped task: its arch,
// number and arguments (in the arch's own order), whatever a filter's RET_DATA claims.
std::optional<seccomp_data> syscallAtSeccompStop(pid_t tid) {
    __ptrace_syscall_info info{};
    long n = ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info);
    seccomp_data d{};
    if (n > 0 && info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
        d.arch = info.arch;
        d.nr = int(info.seccomp.nr);
        d.instruction_pointer = info.instruction_pointer;
        for (int i = 0; i < 6; ++i) d.args[i] = info.seccomp.args[i];
        return d;
    }
    // Kernels before 5.3: the registers, with the arch told by the code segment.
    user_regs_struct regs{};
    if (ptrace(PTRACE_GETREGS, tid, 0, &regs) != 0) return std::nullopt;
    d.nr = int(regs.orig_rax);
    d.instruction_pointer = regs.rip;
    if (regs.cs == 0x23) {
        d.arch = AUDIT_ARCH_I386;
        uint64_t a[6] = {regs.rbx, regs.rcx, regs.rdx, regs.rsi, regs.rdi, regs.rbp};
        for (int i = 0; i < 6; ++i) d.args[i] = uint32_t(a[i]);
    } else {
        d.arch = AUDIT_ARCH_X86_64;
        uint64_t a[6] = {regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9};
        for (int i = 0; i < 6; ++i) d.args[i] = a[i];
    }
    return d;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Trapped syscalls

std::optional<std::string> Tracer::shmName(pid_t pid, int dirfd, const std::string& path) const {
    std::string abs = path;
    if (path.empty()) return std::nullopt;
    if (path[0] != '/') {
        std::string base =
            "/proc/" + std::to_string(pid) +
            (dirfd == AT_FDCWD ? std::string("/cwd") : "/fd/" + std::to_string(dirfd));
        char buf[PATH_MAX];
        ssize_t n = readlink(base.c_str(), buf, sizeof buf - 1);
        if (n <= 0) return std::nullopt;
        abs = std::string(buf, n) + "/" + path;
    }
    if (abs.compare(0, kShmDir.size(), kShmDir) != 0) return std::nullopt;
    std::string name = abs.substr(kShmDir.size());
    if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
    return name;
}

// The entry as the process sees it: through its root, so a private /dev/shm is looked at too.
uint64_t Tracer::shmInode(pid_t pid, const std::string& name) const {
    struct stat st;
    std::string p = "/proc/" + std::to_string(pid) + "/root/dev/shm/" + name;
    return stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

void Tracer::noteCreated(const std::string& name, pid_t creator) {
    created_[name] = creator;
}

// What a process wrote past the run's output cap, one record per fd: how many bytes.
void Tracer::reportNotKept(pid_t pid) {
    for (auto it = notKept_.begin(); it != notKept_.end();) {
        auto [who, fd] = it->first;
        if (pid && who != pid) {
            ++it;
            continue;
        }
        emit(who, EventKind::Output, ev::Output{fd, trace_.intern(""), true, it->second});
        it = notKept_.erase(it);
    }
}

// A SECCOMP_RET_TRACE stop. It becomes an event only if forklab's own filter asks for a trap on
// the syscall really made: another filter (the program's) may return RET_TRACE with our data
// values on any syscall. A stop we did not ask for is passed on untouched, so the syscall runs
// as under any tracer that does not handle it.
void Tracer::onSeccomp(Task& t) {
    auto sc = syscallAtSeccompStop(t.tid);
    std::optional<Trap> trap = sc ? forklabTrap(*sc) : std::nullopt;
    if (!trap) {
        resume(t);
        return;
    }
    const long nr = sc->nr;
    const __u64* arg = sc->args;
    const bool native = sc->arch == AUDIT_ARCH_X86_64;
    const pid_t pid = t.tgid;
    TraceeMemory mem(t.tid);
    switch (*trap) {
    case Trap::Exec: {
        Proc* p = proc(pid);
        if (!p) break;
        bool at = native ? nr == SYS_execveat || nr == (0x40000000 | 545) : nr == 358;
        t.exec = {mem.readString(at ? arg[1] : arg[0], PATH_MAX), kNoSnap};
        watchDataPipe(t, *sc);
        beforeExec(t, *p);
        break;
    }
    case Trap::Create: {
        int dirfd = AT_FDCWD;
        uint64_t pathPtr = arg[0], flags = arg[1];
        if (nr == SYS_openat) {
            dirfd = int(arg[0]);
            pathPtr = arg[1];
            flags = arg[2];
        } else if (nr == SYS_creat) {
            flags = O_CREAT | O_WRONLY | O_TRUNC;
        }
        auto name = shmName(pid, dirfd, mem.readString(pathPtr, PATH_MAX));
        if (!name) break;
        t.pending = PendingSyscall{PendingSyscall::Create, *name, "", shmInode(pid, *name) != 0,
                                   (flags & O_EXCL) != 0,  0};
        t.resumeToSyscallExit = true;
        break;
    }
    case Trap::Link: {
        int olddir = AT_FDCWD, newdir = AT_FDCWD;
        uint64_t oldPtr = arg[0], newPtr = arg[1];
        if (nr == SYS_linkat) {
            olddir = int(arg[0]);
            oldPtr = arg[1];
            newdir = int(arg[2]);
            newPtr = arg[3];
        }
        auto name = shmName(pid, newdir, mem.readString(newPtr, PATH_MAX));
        if (!name) break;
        auto old = shmName(pid, olddir, mem.readString(oldPtr, PATH_MAX));
        t.pending = PendingSyscall{PendingSyscall::Link, *name, old.value_or(""), false, false, 0};
        t.resumeToSyscallExit = true;
        break;
    }
    case Trap::Unlink: {
        int dirfd = AT_FDCWD;
        uint64_t pathPtr = arg[0];
        if (nr == SYS_unlinkat) {
            dirfd = int(arg[0]);
            pathPtr = arg[1];
        }
        auto name = shmName(pid, dirfd, mem.readString(pathPtr, PATH_MAX));
        if (!name) break;
        t.pending =
            PendingSyscall{PendingSyscall::Unlink, *name, "", true, false, shmInode(pid, *name)};
        t.resumeToSyscallExit = true;
        break;
    }
    case Trap::Seccomp:
        if (Proc* p = proc(pid)) onOwnSeccomp(*p);
        break;
    case Trap::Kill: {
        long target = long(int(arg[0]));
        int sig = int(arg[1]);
        if (nr == SYS_tgkill) {
            target = long(int(arg[1]));
            sig = int(arg[2]);
        }
        if (sig == 0) break; // an existence probe, not a kill
        bool group = nr == SYS_kill && target <= 0;
        pid_t host = group ? pid_t(target) : hostTid(pid_t(target));
        emit(pid, EventKind::Kill, ev::Kill{host ? host : pid_t(target), sig, group});
        break;
    }
    case Trap::Write: {
        // Output is what reaches the run's stdout or stderr, whatever fd number carries it.
        int fd = stdio_.which(t.tid, int(arg[0]));
        if (!fd) break; // the program's own pipe or file
        // Past the run's cap nothing is read: the length asked for is counted (for writev the
        // iovecs' lengths, read without their data).
        size_t room = size_t(std::min<uint64_t>(kOutputCap, opt_.outputCap - outputKept_));
        std::string text;
        size_t want = 0;
        if (nr == SYS_write) {
            want = size_t(arg[2]);
            text = mem.read(arg[1], std::min(want, room));
        } else {
            text = mem.readIovec(arg[1], int(arg[2]), room, &want);
        }
        outputKept_ += text.size();
        // What the cap cut off is counted, to be reported as not kept; a write of which
        // nothing is kept is only counted.
        bool capped = room < std::min(want, kOutputCap);
        if (capped) notKept_[{pid, fd}] += want - text.size();
        if (capped && text.empty()) break;
        emit(pid, EventKind::Output, ev::Output{fd, trace_.intern(text), want > text.size()});
        break;
    }
    case Trap::Clone: {
        // The child would be hidden from ptrace: clear the flag, so it is traced like any
        // other. The kernel runs the filters again on the changed arguments.
        user_regs_struct regs{};
        if (ptrace(PTRACE_GETREGS, t.tid, 0, &regs) != 0) break;
        (native ? regs.rdi : regs.rbx) &= ~uint64_t(CLONE_UNTRACED);
        ptrace(PTRACE_SETREGS, t.tid, 0, &regs);
        break;
    }
    case Trap::Marker: {
        std::string label = mem.read(arg[0], std::min<uint64_t>(arg[1], kMarkerMaxLabel));
        unsigned flags = unsigned(arg[2]);
        uint64_t value = arg[3];
        user_regs_struct regs{};
        if (ptrace(PTRACE_GETREGS, t.tid, 0, &regs) == 0) {
            regs.orig_rax = uint64_t(-1); // skip the (nonexistent) syscall; it returns 0
            regs.rax = 0;
            ptrace(PTRACE_SETREGS, t.tid, 0, &regs);
        }
        if (flags & (kMarkerNameAddr | kMarkerNameFd)) {
            bool fd = flags & kMarkerNameFd;
            std::string target;
            if (fd) {
                std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(value);
                char buf[PATH_MAX];
                ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
                if (n > 0) target.assign(buf, size_t(n));
            }
            emit(pid, EventKind::Annotation,
                 ev::Annotation{fd ? ev::NameOf::Fd : ev::NameOf::Mutex, trace_.intern(label),
                                value, trace_.intern(target)});
            break;
        }
        ev::Marker marker{trace_.intern(label), (flags & kMarkerKey) != 0};
        // Where the program says the step is: bounded like the label, kept only as said.
        if ((flags & kMarkerWhere) && value > 0 && value <= ev::Marker::kMaxLine) {
            marker.file =
                trace_.intern(mem.read(arg[4], std::min<uint64_t>(arg[5], kMarkerMaxFile)));
            marker.line = marker.file ? uint32_t(value) : 0;
        }
        // The marking task stays stopped: the whole sandbox is frozen *at* the marker.
        pendingMarkers_.push_back({pid, marker});
        t.held = true;
        return;
    }
    }
    resume(t);
}

void Tracer::onSyscallExit(Task& t) {
    PendingSyscall p = std::move(t.pending);
    t.pending = {};
    if (p.kind == PendingSyscall::None) return;
    user_regs_struct regs{};
    if (ptrace(PTRACE_GETREGS, t.tid, 0, &regs) != 0) return;
    long result = long(regs.rax);
    const pid_t pid = t.tgid;
    if (p.kind == PendingSyscall::Exec) { // unwatched, only a failed exec has this stop
        if (result < 0) t.exec = {};      // not about the next exec
        return;
    }
    if (result < 0) return; // the kernel refused: nothing changed
    switch (p.kind) {
    case PendingSyscall::Create: {
        if (p.existed) return;
        uint64_t ino = shmInode(pid, p.name);
        // sem_open creates "sem.XXXXXX" with O_EXCL, links it to the real name, unlinks it:
        // only the linked name is the semaphore; the temp matters only if it is left behind.
        bool semTemp = p.exclusive && p.name.size() == 10 && p.name.compare(0, 4, "sem.") == 0;
        if (semTemp) {
            temps_[p.name] = pid;
            return;
        }
        noteCreated(p.name, pid);
        emit(pid, EventKind::ShmCreate, ev::Shm{trace_.intern(p.name), ino});
        return;
    }
    case PendingSyscall::Link: // the temp stays listed until its own unlink, or the sweep
        noteCreated(p.name, pid);
        emit(pid, EventKind::ShmCreate, ev::Shm{trace_.intern(p.name), shmInode(pid, p.name)});
        return;
    case PendingSyscall::Unlink:
        if (temps_.erase(p.name)) return;
        emit(pid, EventKind::ShmUnlink, ev::Shm{trace_.intern(p.name), p.inode});
        return;
    case PendingSyscall::None:
    case PendingSyscall::Exec:
        return;
    }
}

pid_t Tracer::hostTid(pid_t nstid) const {
    if (!namespaces_) return nstid;
    for (auto& [tid, t] : tasks_) {
        auto dir = ProcDir::open(tid);
        if (!dir) continue;
        auto st = readProcStatus(*dir);
        if (st && st->innermostPid() == nstid && st->nspid.size() > 1) return tid;
    }
    return 0;
}

} // namespace forklab::tracer
