// Starting the sandbox (the launcher, its namespaces, its limits) and the run's first facts:
// what isolation really holds, checked from outside.
#include "TracerState.hpp"

#include "core/base/WriteFile.hpp"

namespace forklab::tracer {
namespace {

uint64_t nsInode(pid_t pid, const char* ns) {
    struct stat st;
    std::string p = "/proc/" + std::to_string(pid) + "/ns/" + ns;
    return stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

uint64_t inodeOf(int fd) {
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 ? st.st_ino : 0;
}

// The namespace a namespace ioctl (NS_GET_USERNS, NS_GET_PARENT) answers for /proc/PID/ns/NS.
uint64_t nsRelative(pid_t pid, const char* ns, unsigned long request) {
    std::string p = "/proc/" + std::to_string(pid) + "/ns/" + ns;
    ScopedFd fd(open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return 0;
    ScopedFd other(ioctl(fd.get(), request));
    return inodeOf(other.get());
}

// What the launcher really got, read from outside once it has made its mounts.
uint16_t isolationSeenIn(pid_t launcher) {
    uint16_t f = 0;
    pid_t self = getpid();
    if (nsInode(launcher, "net") != nsInode(self, "net")) f |= kIsoNetNs;
    // Locked: the program's user namespace is a child of the one that owns the pid namespace
    // (and made the mounts), so it cannot unmount them.
    uint64_t owner = nsRelative(launcher, "pid_for_children", NS_GET_USERNS);
    if (owner && owner != nsInode(launcher, "user") &&
        nsRelative(launcher, "user", NS_GET_PARENT) == owner)
        f |= kIsoLockedMounts;
    auto dir = ProcDir::open(launcher);
    auto info = dir ? dir->readFile("mountinfo") : std::nullopt;
    if (!info) return f;
    struct stat host;
    auto tmp = tmpfsDeviceAt(*info, "/tmp");
    if (tmp && (stat("/tmp", &host) != 0 || host.st_dev != *tmp)) f |= kIsoPrivateTmp;
    // The root mount's own options (field 6) say ro.
    size_t at = 0;
    while (at < info->size()) {
        size_t eol = info->find('\n', at);
        if (eol == std::string::npos) eol = info->size();
        std::string_view line(info->data() + at, eol - at);
        at = eol + 1;
        size_t p4 = 0;
        for (int i = 0; i < 4 && p4 != std::string_view::npos; ++i) p4 = line.find(' ', p4 + 1);
        if (p4 == std::string_view::npos || line.substr(p4, 3) != " / ") continue;
        std::string_view opts = line.substr(p4 + 3, line.find(' ', p4 + 3) - (p4 + 3));
        if (opts == "ro" || opts.substr(0, 3) == "ro,") f |= kIsoReadOnlyRoot;
    }
    return f;
}

} // namespace

std::string shellQuote(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) out += ' ';
        bool plain = !a.empty() &&
                     a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                                         "QRSTUVWXYZ0123456789-_./=:,+@%") == std::string::npos;
        if (plain) {
            out += a;
        } else {
            out += '\'';
            for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
            out += '\'';
        }
    }
    return out;
}

std::string rlimitText(const std::vector<RlimitSetting>& overrides, rlim_t maxTasks) {
    static const std::pair<int, const char*> kShown[] = {
        {RLIMIT_NOFILE, "nofile"}, {RLIMIT_AS, "as"}, {RLIMIT_CPU, "cpu"}, {RLIMIT_NPROC, "nproc"}};
    auto num = [](rlim_t v) {
        return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v);
    };
    std::string out;
    for (auto [res, name] : kShown) {
        rlimit rl{};
        getrlimit(__rlimit_resource_t(res), &rl);
        if (res == RLIMIT_NPROC && maxTasks) rl = {maxTasks, maxTasks};
        for (auto& o : overrides)
            if (o.resource == res) rl = o.value;
        if (!out.empty()) out += ' ';
        out += std::string(name) + "=" + num(rl.rlim_cur) + ":" + num(rl.rlim_max);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Launch

bool Tracer::launch() {
    LaunchPlan plan; // the clone child reads its own copy of this; filled before it exists
    plan.path = path_;
    plan.argv = opt_.argv;
    plan.envp = environ;
    plan.filter = buildSeccompFilter();
    plan.inheritStdio = opt_.inheritStdio;
    plan.stdioFd = stdio_.programStdout();
    plan.stderrFd = stdio_.programStderr();
    plan.isolate = opt_.isolate;
    plan.rlimits = opt_.rlimits;
    std::string idNote;
    ids_ = ProgramIds::choose(opt_.asRoot, &idNote);
    if (!idNote.empty()) ctl_.launchProblem = idNote; // said, not fatal
    plan.dropIds = ids_.drop;
    plan.uid = ids_.uid;
    plan.gid = ids_.gid;
    plan.innerUidMap = ProgramIds::identityMap(ids_.uid);
    plan.innerGidMap = ProgramIds::identityMap(ids_.gid);
    plan.finalize();

    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) return false;
    plan.goFd = go[0];
    plan.reportFd = report[1];

    cgroup_ = PidsCgroup::create(opt_.maxProcs + 1); // +1: the launcher
    // Where ids are no one's but the program's (its own user namespace, not root), the kernel
    // refuses the clone that would exceed the limit: RLIMIT_NPROC counts per user namespace.
    if (opt_.namespaces && ids_.uid != 0) maxTasks_ = rlim_t(opt_.maxProcs) + 1;
    plan.maxTasks = maxTasks_;
    const size_t stackSize = 256 * 1024;
    void* stack = mmap(nullptr, stackSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return false;
    char* top = static_cast<char*>(stack) + stackSize;

    pid_t child = -1;
    int nsErrno = 0;
    if (opt_.namespaces || opt_.isolate) {
        plan.namespaces = true;
        int flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNS | SIGCHLD;
        if (opt_.isolate) flags |= CLONE_NEWNET;
        child = clone(launcherMain, top, flags, &plan);
        if (child > 0) namespaces_ = true;
        nsErrno = errno;
    }
    if (child < 0 && opt_.isolate) {
        ctl_.launchProblem = std::string("the kernel refused a user namespace (") +
                             strerror(nsErrno) +
                             "), and this run must be isolated: it did not start";
    } else if (child < 0) {
        if (opt_.namespaces)
            ctl_.launchProblem = std::string("the kernel refused a user namespace (") +
                                 strerror(nsErrno) +
                                 "): the program runs without namespaces, on the host's "
                                 "/dev/shm and /tmp, with its process limit enforced at fork";
        plan.namespaces = false;
        plan.maxTasks = maxTasks_ = 0; // it would count the user's processes everywhere
        child = clone(launcherMain, top, SIGCHLD, &plan);
    }
    munmap(stack, stackSize); // the child has its own copy of the address space
    close(go[0]);
    close(report[1]);
    reportFd_ = report[0];
    fcntl(reportFd_, F_SETFL, O_NONBLOCK);
    if (child < 0) {
        close(go[1]);
        return false;
    }
    launcher_ = child;

    long options = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                   PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_TRACESECCOMP |
                   PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SEIZE, child, 0, options) != 0) {
        kill(child, SIGKILL);
        waitpid(child, nullptr, __WALL);
        close(go[1]);
        return false;
    }
    if (namespaces_) {
        // Only the program's own ids exist in the sandbox, mapped to themselves: its rights on
        // the host's files are exactly that user's. Root may keep setgroups for the drop.
        std::string base = "/proc/" + std::to_string(child);
        if (getuid() != 0) writeWholeFile(base + "/setgroups", "deny");
        if (!writeWholeFile(base + "/uid_map", ProgramIds::identityMap(ids_.uid)) ||
            !writeWholeFile(base + "/gid_map", ProgramIds::identityMap(ids_.gid))) {
            ctl_.launchProblem = "the sandbox's user namespace could not be given its ids";
            kill(child, SIGKILL);
            waitpid(child, nullptr, __WALL);
            close(go[1]);
            return false;
        }
    }
    if (cgroup_ && !cgroup_->add(child)) cgroup_.reset();

    Task& lt = task(child);
    lt.tgid = child;
    lt.firstStopSeen = true; // seized while running: no attach stop
    lt.announced = true;
    Proc& lp = procs_[child];
    lp.pid = child;
    lp.role = Role::Sandbox;

    char byte = 1;
    (void)!write(go[1], &byte, 1);
    close(go[1]);
    return true;
}

// The launcher (a step that failed) or the program (a failed execve) wrote why; read once.
void Tracer::readLaunchReport() {
    LaunchReport r{};
    if (launchStage_ >= 0 || reportFd_ < 0) return;
    if (read(reportFd_, &r, sizeof r) != sizeof r) return;
    launchStage_ = r.stage;
    if (r.stage == kStageExec) {
        execErrno_ = r.error;
        return;
    }
    ctl_.launchProblem =
        std::string("the sandbox could not ") + launchStageText(r.stage) + ": " + strerror(r.error);
}

// The run's first events. Emitted when the launcher forks the program: by then it has set up
// its namespaces and mounts, so the isolation reported is what really holds, checked from outside.
void Tracer::announceRun(bool programCreated) {
    if (runAnnounced_) return;
    runAnnounced_ = true;
    // The launcher is stopped at its fork event and the program has not run yet: what its
    // /dev/shm is now is what the launcher made. Identify it once, for the sweep.
    if (namespaces_ && programCreated) shm_ = PrivateShm::verify(launcher_, &shmProblem_);
    if (namespaces_) {
        pid_t self = getpid();
        if (nsInode(launcher_, "user") != nsInode(self, "user")) isolation_ |= kIsoUserNs;
        if (nsInode(launcher_, "pid_for_children") != nsInode(self, "pid")) isolation_ |= kIsoPidNs;
        if (nsInode(launcher_, "ipc") != nsInode(self, "ipc")) isolation_ |= kIsoIpcNs;
        if (nsInode(launcher_, "mnt") != nsInode(self, "mnt")) isolation_ |= kIsoMountNs;
    }
    if (cgroup_) isolation_ |= kIsoPidsCgroup;
    if (maxTasks_) isolation_ |= kIsoTaskRlimit;
    if (shm_) isolation_ |= kIsoPrivateShm;
    if (namespaces_ && programCreated) isolation_ |= isolationSeenIn(launcher_);
    emit(0, EventKind::RunStart,
         ev::RunStart{trace_.intern(shellQuote(opt_.argv)), isolation_, opt_.maxProcs,
                      opt_.deadlineMs, opt_.graceMs, ids_.uid, ids_.gid,
                      trace_.intern(rlimitText(opt_.rlimits, maxTasks_)), opt_.snapshots});
    emit(launcher_, EventKind::Proc,
         ev::Proc{namespaces_ ? 1 : launcher_, 0, Role::Sandbox, ForkKind::Fork,
                  trace_.intern("forklab-sandbox")});
}

} // namespace forklab::tracer
