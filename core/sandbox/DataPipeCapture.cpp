// The bytes that cross to a CPython spawn or forkserver child, caught where the parent writes
// them (DataPipeWatch.hpp says why only a forking CPython process is switched to syscall stops).
#include "LaunchForms.hpp"
#include "TracerState.hpp"
#include "core/base/HexBytes.hpp"

#include <sys/socket.h>

namespace forklab::tracer {
namespace {

constexpr int kMaxArgs = 64;          // CPython's launch forms have fewer than ten
constexpr size_t kMaxArgBytes = 4096; // each; the forkserver's is the longest
constexpr size_t kMaxControl = 512;   // SCM_RIGHTS of up to MAXFDS_TO_SEND (256) fds: the first

std::string fdTarget(pid_t pid, uint64_t fd) {
    if (fd > uint64_t(INT_MAX)) return {};
    std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
    char buf[PATH_MAX];
    ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

bool isPipe(const std::string& target) {
    return target.compare(0, 6, "pipe:[") == 0;
}

// Whether a fork (not a vfork) of this CPython may be spawn's: CPython 3.10 and later start spawn
// children and the forkserver with vfork (_posixsubprocess), so their plain forks are the fork
// start method's, whose children never exec: not followed. 3.8 and 3.9 fork for both, and an
// executable whose name gives no version is followed too.
bool forkMayBeSpawn(const std::string& exe) {
    const auto slash = exe.rfind('/');
    const std::string name = exe.substr(slash == std::string::npos ? 0 : slash + 1);
    if (name.compare(0, 8, "python3.") != 0) return true;
    return std::atoi(name.c_str() + 8) < 10;
}

uint64_t word(const std::string& s, size_t at) {
    uint64_t v = 0;
    if (at + 8 <= s.size()) std::memcpy(&v, s.data() + at, 8);
    return v;
}

// execve's argv as the process passed it, bounded.
std::vector<std::string> readArgv(const TraceeMemory& mem, uint64_t argv) {
    std::vector<std::string> out;
    std::string ptrs = mem.read(argv, 8 * kMaxArgs);
    for (size_t i = 0; i + 8 <= ptrs.size(); i += 8) {
        uint64_t a = word(ptrs, i);
        if (!a) break;
        out.push_back(mem.readString(a, kMaxArgBytes));
    }
    return out;
}

// The first fd of a sendmsg's SCM_RIGHTS (multiprocessing.reduction.sendfds), or -1.
long firstPassedFd(const TraceeMemory& mem, uint64_t msghdrAddr) {
    std::string h = mem.read(msghdrAddr, sizeof(msghdr));
    if (h.size() != sizeof(msghdr)) return -1;
    msghdr m;
    std::memcpy(&m, h.data(), sizeof m);
    size_t len = std::min<size_t>(m.msg_controllen, kMaxControl);
    std::string c = mem.read(uint64_t(uintptr_t(m.msg_control)), len);
    size_t at = 0;
    while (at + sizeof(cmsghdr) <= c.size()) {
        cmsghdr ch;
        std::memcpy(&ch, c.data() + at, sizeof ch);
        if (ch.cmsg_len < sizeof(cmsghdr)) return -1;
        if (ch.cmsg_level == SOL_SOCKET && ch.cmsg_type == SCM_RIGHTS &&
            ch.cmsg_len >= sizeof(cmsghdr) + sizeof(int) &&
            at + sizeof(cmsghdr) + sizeof(int) <= c.size()) {
            int fd;
            std::memcpy(&fd, c.data() + at + sizeof(cmsghdr), sizeof fd);
            return fd;
        }
        at += (ch.cmsg_len + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1);
    }
    return -1;
}

} // namespace

void Tracer::emitPipeWrite(pid_t pid, const DataPipeWatch::Written& w) {
    emit(
        pid, EventKind::PipeWrite,
        ev::PipeWrite{w.fd, trace_.intern(w.target), trace_.intern(toHexBytes(w.bytes)), w.length});
}

// At a fork or vfork event of a CPython process (stopped there): it resumes with syscall stops.
void Tracer::watchCPythonFork(pid_t parent, pid_t child, bool vfork) {
    std::string exe;
    if (auto dir = ProcDir::open(parent)) exe = dir->readLink("exe").value_or("");
    if (!isCPythonExecutable(exe) || (!vfork && !forkMayBeSpawn(exe))) return;
    pipes_.forked(parent, child);
}

// At a child's execve stop (or its death, exec = nullptr): was it one of CPython's launch forms?
void Tracer::childExecOrDeath(pid_t pid, pid_t parent, const seccomp_data* sc, pid_t tid) {
    if (!pipes_.expects(parent, pid)) return;
    DataPipeWatch::Exec what = DataPipeWatch::Exec::Other;
    std::string dataPipe;
    auto caller = tasks_.find(tid);
    const std::string path = caller == tasks_.end() ? "" : caller->second.exec.path;
    if (sc && sc->arch == AUDIT_ARCH_X86_64 && (sc->nr == SYS_execve || sc->nr == SYS_execveat) &&
        isCPythonExecutable(path)) {
        auto argv = readArgv(TraceeMemory(tid), sc->nr == SYS_execveat ? sc->args[2] : sc->args[1]);
        const CPythonLaunch l = recogniseCPythonLaunch(path, argv);
        if (l.kind == CPythonLaunchKind::SpawnChild) {
            dataPipe = fdTarget(pid, uint64_t(l.fds[1]));
            if (isPipe(dataPipe)) what = DataPipeWatch::Exec::SpawnChild;
        } else if (l.kind == CPythonLaunchKind::Forkserver) {
            what = DataPipeWatch::Exec::Forkserver;
        }
    }
    for (auto& w : pipes_.decided(parent, pid, what, dataPipe)) emitPipeWrite(parent, w);
}

void Tracer::watchDataPipe(Task& t, const seccomp_data& sc) {
    if (Proc* p = proc(t.tgid)) childExecOrDeath(t.tgid, p->parent, &sc, t.tid);
}

// A syscall stop of a watched process. True if it was an entry stop, handled here; an exit
// stop goes on to onSyscallExit.
bool Tracer::onWatchedSyscall(Task& t) {
    __ptrace_syscall_info info{};
    if (ptrace(PTRACE_GET_SYSCALL_INFO, t.tid, sizeof info, &info) <= 0) return false;
    const pid_t pid = t.tgid;
    if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
        if (!pipes_.pending(t.tid)) return false;
        DataPipeWatch::Write w = pipes_.take(t.tid);
        if (info.exit.is_error || info.exit.rval <= 0) return false;
        const uint64_t n = uint64_t(info.exit.rval);
        TraceeMemory mem(t.tid);
        size_t room = size_t(std::min<uint64_t>(n, DataPipeWatch::kKeepCap));
        size_t total = 0;
        DataPipeWatch::Written done{
            w.fd, w.target,
            w.iovcnt < 0 ? mem.read(w.buf, room) : mem.readIovec(w.buf, w.iovcnt, room, &total), n};
        if (pipes_.wrote(pid, done)) emitPipeWrite(pid, done);
        return false;
    }
    if (info.op != PTRACE_SYSCALL_INFO_ENTRY) return false;
    if (info.arch != AUDIT_ARCH_X86_64) return true;
    const uint64_t nr = info.entry.nr;
    const auto* arg = info.entry.args;
    if (nr == SYS_write || nr == SYS_writev) {
        std::string target = fdTarget(pid, arg[0]);
        if (!target.empty() && pipes_.wanted(pid, target)) {
            pipes_.begin(t.tid, {int(arg[0]), target, arg[1], nr == SYS_write ? -1 : int(arg[2])});
            return true;
        }
    } else if (nr == SYS_sendmsg && pipes_.caresAboutSendmsg(pid)) {
        long fd = firstPassedFd(TraceeMemory(t.tid), arg[1]);
        std::string target = fd >= 0 ? fdTarget(pid, uint64_t(fd)) : std::string();
        if (isPipe(target)) pipes_.sentFd(pid, target);
    }
    pipes_.entry(pid);
    return true;
}

} // namespace forklab::tracer
