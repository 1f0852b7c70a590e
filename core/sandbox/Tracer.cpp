#include "Tracer.hpp"

#include "CPythonPlumbing.hpp"
#include "Launcher.hpp"
#include "MarkerSyscall.hpp"
#include "PidsCgroup.hpp"
#include "PrivateShm.hpp"
#include "ProgramIds.hpp"
#include "Roles.hpp"
#include "SeccompFilter.hpp"
#include "TraceeMemory.hpp"
#include "WakeTimer.hpp"
#include "core/base/Clock.hpp"
#include "core/probe/Deadlock.hpp"
#include "core/probe/ProcStatus.hpp"
#include "core/probe/ProcessProbe.hpp"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <map>
#include <optional>
#include <sched.h>
#include <set>
#include <string_view>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unordered_map>

extern char** environ;

namespace forklab {
namespace {

constexpr long kTickMs = 20;
constexpr size_t kOutputCap = 4096; // bytes of one write kept in the trace
const std::string kShmDir = "/dev/shm/";

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

bool writeFile(const std::string& path, const std::string& text) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = write(fd, text.data(), text.size()) == ssize_t(text.size());
    close(fd);
    return ok;
}

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

// A syscall we let run to its exit stop because only its result tells what happened.
struct PendingSyscall {
    enum Kind { None, Create, Link, Unlink } kind = None;
    std::string name;  // relative to /dev/shm
    std::string other; // link: the old name (relative to /dev/shm, or empty)
    bool existed = false;
    bool exclusive = false;
    uint64_t inode = 0;
};

struct Task {
    pid_t tid = 0;
    pid_t tgid = 0;
    bool firstStopSeen = false; // the auto-attach stop (or seized while running)
    bool announced = false;     // its creator's fork/clone event was handled
    bool isThread = false;
    bool held = false; // stopped, and we have not resumed it
    bool interruptPending = false;
    int resumeSig = 0;
    bool resumeToSyscallExit = false;
    PendingSyscall pending;
};

struct Proc {
    pid_t pid = 0;
    pid_t nspid = 0;
    pid_t parent = 0;
    Role role = Role::Program;
    bool alive = true;
    SnapId preExec = kNoSnap;
    std::string execPath; // the filename execve was given, read at its stop
    bool exitSnapTaken = false;
};

class Tracer {
  public:
    Tracer(const SandboxOptions& o, std::string path, Trace& trace, TracerControl& c)
        : opt_(o), path_(std::move(path)), trace_(trace), ctl_(c) {}
    int run();

  private:
    // --- launch and end ---
    bool launch();
    void loop();
    void teardown(EndReason reason);
    void sweepShm();
    void finish(EndReason reason);
    void announceRun(bool programCreated = false);
    void waitForLauncherToReap();

    // --- event handling ---
    void handle(pid_t tid, WaitStatus ws);
    void onFirstStop(Task& t);
    void onNewChild(Task& parent, pid_t child, int event);
    void announceChild(Task& child, pid_t parentTgid, ForkKind how);
    void childReady(Task& child);
    void onExec(Task& t, pid_t formerTid);
    void onExitStop(Task& t);
    void onDeath(pid_t tid, WaitStatus ws);
    void onSeccomp(Task& t, unsigned data);
    void onSyscallExit(Task& t);
    void resume(Task& t);

    // --- whole-sandbox stops ---
    void stopAll();
    void resumeAll();
    void probe(SnapReason why);
    void snapshotAll(SnapReason why);
    void markerStop();
    void holdUntilStep();

    // --- helpers ---
    // Run time: time held at a step gate is left out (a class may pause for minutes), so the
    // timeline has no gap and the deadline and grace count running time only.
    int64_t now() const { return (holdStart_ >= 0 ? holdStart_ : monotonicNs()) - t0_ - heldNs_; }
    void emit(pid_t pid, EventKind kind, Payload p) {
        trace_.append(Event{now(), pid, kind, std::move(p)});
        lastEvent_ = monotonicNs();
        eventsSinceProbe_ = true;
    }
    SnapId snapshot(pid_t pid, SnapReason why, const std::vector<std::string>& execArgv = {});
    void learnCPython(pid_t pid, SnapReason why, SnapId id,
                      const std::vector<std::string>& execArgv = {});
    void nameCPythonFds(pid_t pid, SnapId id);
    Task& task(pid_t tid);
    // waitpid for the next report of any tracee; returns -1/EINTR at least every tick.
    pid_t waitEvent(int* raw);
    Proc* proc(pid_t pid) {
        auto it = procs_.find(pid);
        return it == procs_.end() ? nullptr : &it->second;
    }
    int liveProgramProcs() const;
    int liveTasks() const { return int(tasks_.size()); }
    pid_t hostTid(pid_t nstid) const;
    std::optional<std::string> shmName(pid_t pid, int dirfd, const std::string& path) const;
    uint64_t shmInode(pid_t pid, const std::string& name) const;
    void noteCreated(const std::string& name, pid_t creator);
    bool active() const { return !ctl_.stopRequested.load(); }

    const SandboxOptions& opt_;
    std::string path_;
    Trace& trace_;
    TracerControl& ctl_;

    WakeTimer* timer_ = nullptr;
    int64_t t0_ = 0;
    pid_t launcher_ = 0;
    pid_t root_ = 0; // the program's first process
    bool namespaces_ = false;
    uint16_t isolation_ = 0;
    std::optional<PidsCgroup> cgroup_;
    std::optional<PrivateShm> shm_;
    std::string shmProblem_; // why the private /dev/shm could not be verified
    ProgramIds ids_;
    rlim_t maxTasks_ = 0;
    int reportFd_ = -1;

    std::unordered_map<pid_t, Task> tasks_;
    std::map<pid_t, Proc> procs_;
    std::map<std::string, pid_t> created_; // /dev/shm name -> creator
    std::map<std::string, pid_t> temps_;   // sem_open's temporary files, not yet linked
    std::set<std::tuple<pid_t, pid_t, uint64_t, int>> verdicts_;
    CPythonPlumbing cpython_;

    bool runAnnounced_ = false;
    bool holdAll_ = false;
    bool tearingDown_ = false;
    std::vector<std::pair<pid_t, ev::Marker>> pendingMarkers_;
    bool eventsSinceProbe_ = true;
    int64_t lastEvent_ = 0;
    int64_t activeNs_ = 0;
    int64_t lastTick_ = 0;
    int64_t rootExitAt_ = -1;
    int64_t heldNs_ = 0;     // time spent held at step gates, in all
    int64_t holdStart_ = -1; // when the current hold began (-1: not held)
    WaitStatus rootStatus_;
    bool rootDone_ = false;
    int execErrno_ = 0;
    int launchStage_ = -1; // the launcher step that failed (LaunchStage), -1 if none
    void readLaunchReport();
};

// ---------------------------------------------------------------------------------------------
// Launch

bool Tracer::launch() {
    LaunchPlan plan; // the clone child reads its own copy of this; filled before it exists
    plan.path = path_;
    plan.argv = opt_.argv;
    plan.envp = environ;
    plan.filter = buildSeccompFilter();
    plan.inheritStdio = opt_.inheritStdio;
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
        if (getuid() != 0) writeFile(base + "/setgroups", "deny");
        if (!writeFile(base + "/uid_map", ProgramIds::identityMap(ids_.uid)) ||
            !writeFile(base + "/gid_map", ProgramIds::identityMap(ids_.gid))) {
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

// ---------------------------------------------------------------------------------------------
// Main loop

int Tracer::run() {
    ctl_.tracerTid = gettid();
    WakeTimer timer(kTickMs);
    timer_ = &timer;
    t0_ = monotonicNs();
    lastEvent_ = lastTick_ = t0_;

    if (!launch()) {
        emit(0, EventKind::RunStart,
             ev::RunStart{trace_.intern(shellQuote(opt_.argv)), 0, opt_.maxProcs, opt_.deadlineMs,
                          opt_.graceMs, ids_.uid, ids_.gid,
                          trace_.intern(rlimitText(opt_.rlimits, maxTasks_))});
        emit(0, EventKind::RunEnd, ev::RunEnd{EndReason::LaunchFailed, WaitStatus(), 125});
        return 125;
    }
    loop();
    readLaunchReport();
    if (reportFd_ >= 0) close(reportFd_);
    int code = rootDone_ ? rootStatus_.shellCode() : 128 + SIGKILL;
    if (execErrno_) code = execErrno_ == ENOENT ? 127 : 126;
    if (launchStage_ > kStageExec) code = 125;
    ctl_.exitCode = code;
    return code;
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
                      trace_.intern(rlimitText(opt_.rlimits, maxTasks_))});
    emit(launcher_, EventKind::Proc,
         ev::Proc{namespaces_ ? 1 : launcher_, 0, Role::Sandbox, ForkKind::Fork,
                  trace_.intern("forklab-sandbox")});
}

void Tracer::loop() {
    while (!tasks_.empty()) {
        int64_t t = monotonicNs();
        if (!holdAll_) activeNs_ += t - lastTick_;
        lastTick_ = t;

        if (!tearingDown_) {
            if (ctl_.stopRequested) {
                teardown(EndReason::Stopped);
                continue;
            }
            if (activeNs_ > int64_t(opt_.deadlineMs) * 1'000'000) {
                teardown(EndReason::Deadline);
                continue;
            }
            if (rootDone_ && liveProgramProcs() == 0) {
                teardown(EndReason::AllExited);
                continue;
            }
            if (rootDone_ && t - rootExitAt_ > int64_t(opt_.graceMs) * 1'000'000) {
                teardown(EndReason::Grace);
                continue;
            }
            if (!pendingMarkers_.empty()) {
                markerStop();
                continue;
            }
            if (opt_.snapshots && eventsSinceProbe_ && root_ &&
                t - lastEvent_ > int64_t(opt_.idleProbeMs) * 1'000'000) {
                probe(SnapReason::Probe);
                eventsSinceProbe_ = false;
                continue;
            }
        }

        int raw = 0;
        pid_t r = waitEvent(&raw);
        if (r < 0) {
            if (errno == EINTR) continue;
            break; // ECHILD: nothing left to wait for
        }
        handle(r, WaitStatus(raw));
    }
    if (!tearingDown_) finish(EndReason::AllExited);
}

pid_t Tracer::waitEvent(int* raw) {
    if (timer_ && timer_->armed()) return waitpid(-1, raw, __WALL | __WNOTHREAD);
    // No wake-up timer (the kernel refused one): poll instead of blocking forever.
    for (int i = 0; i < int(kTickMs); ++i) {
        pid_t r = waitpid(-1, raw, __WALL | __WNOTHREAD | WNOHANG);
        if (r != 0) return r;
        usleep(1000);
    }
    errno = EINTR;
    return -1;
}

Task& Tracer::task(pid_t tid) {
    auto [it, inserted] = tasks_.try_emplace(tid);
    if (inserted) {
        it->second.tid = tid;
        it->second.tgid = tid;
    }
    return it->second;
}

int Tracer::liveProgramProcs() const {
    int n = 0;
    for (auto& [pid, p] : procs_) n += p.alive && p.role != Role::Sandbox;
    return n;
}

void Tracer::handle(pid_t tid, WaitStatus ws) {
    static const bool debug = getenv("FORKLAB_DEBUG_PTRACE") != nullptr;
    if (debug)
        fprintf(stderr, "ptrace: %d raw=%#x event=%d %s\n", tid, ws.raw(), ws.ptraceEvent(),
                ws.describe().c_str());
    if (ws.dead()) {
        onDeath(tid, ws);
        return;
    }
    bool known = tasks_.count(tid) != 0;
    Task& t = task(tid);
    if (!known) t.firstStopSeen = false;
    int event = ws.ptraceEvent();
    switch (event) {
    case PTRACE_EVENT_STOP:
        if (!t.firstStopSeen) {
            t.firstStopSeen = true;
            onFirstStop(t);
            return;
        }
        t.interruptPending = false;
        // Our interrupt, or a job-control group stop: forklab does not emulate job control.
        resume(t);
        return;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE: {
        unsigned long msg = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
        onNewChild(t, pid_t(msg), event);
        resume(t);
        return;
    }
    case PTRACE_EVENT_EXEC: {
        unsigned long msg = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
        onExec(t, pid_t(msg));
        resume(tasks_.at(tid));
        return;
    }
    case PTRACE_EVENT_EXIT:
        onExitStop(t);
        resume(t);
        return;
    case PTRACE_EVENT_SECCOMP: {
        unsigned long msg = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
        onSeccomp(t, unsigned(msg));
        return;
    }
    default:
        break;
    }
    if (ws.syscallStop()) {
        onSyscallExit(t);
        resume(t);
        return;
    }
    if (!t.firstStopSeen) { // first report of an unknown task that is a plain signal stop
        t.firstStopSeen = true;
        onFirstStop(t);
        return;
    }
    // Signal-delivery stop: hand the signal on.
    t.resumeSig = ws.stopSignal();
    resume(t);
}

void Tracer::resume(Task& t) {
    if (holdAll_) {
        t.held = true;
        return;
    }
    t.held = false;
    int req = t.resumeToSyscallExit ? PTRACE_SYSCALL : PTRACE_CONT;
    ptrace(__ptrace_request(req), t.tid, 0, t.resumeSig);
    t.resumeSig = 0;
    t.resumeToSyscallExit = false;
}

// A new task's first stop. Its creator's event may not have arrived yet: then it stays stopped
// until it does, so the trace always says "fork" before anything about the child.
void Tracer::onFirstStop(Task& t) {
    if (tearingDown_) {
        kill(t.tid, SIGKILL);
        t.held = false;
        ptrace(PTRACE_CONT, t.tid, 0, 0);
        return;
    }
    if (!t.announced) {
        t.held = true; // wait for the parent's event
        return;
    }
    childReady(t);
}

// The child is announced and stopped at its first stop: its fd table is exactly what it
// inherited, frozen.
void Tracer::childReady(Task& t) {
    if (!t.isThread && opt_.snapshots && proc(t.tid)) snapshot(t.tid, SnapReason::Fork);
    t.held = false;
    resume(t);
}

void Tracer::onNewChild(Task& parent, pid_t child, int event) {
    ForkKind how = event == PTRACE_EVENT_VFORK ? ForkKind::Vfork : ForkKind::Fork;
    if (event == PTRACE_EVENT_CLONE) {
        auto dir = ProcDir::open(child);
        auto st = dir ? readProcStatus(*dir) : std::nullopt;
        // CLONE events are clones without SIGCHLD: threads, unless Tgid says otherwise.
        how = (!st || st->tgid == parent.tgid) ? ForkKind::Thread : ForkKind::Fork;
    }
    bool stoppedAlready = tasks_.count(child) && tasks_.at(child).firstStopSeen;
    Task& c = task(child);
    if (c.announced) return;
    announceChild(c, parent.tgid, how);
    if (stoppedAlready) childReady(c);
}

void Tracer::announceChild(Task& c, pid_t parentTgid, ForkKind how) {
    announceRun(true);
    c.announced = true;
    c.isThread = how == ForkKind::Thread;
    c.tgid = c.isThread ? parentTgid : c.tid;
    emit(parentTgid, EventKind::Fork, ev::Fork{c.tid, how});
    if (c.isThread) return;

    Proc* pp = proc(parentTgid);
    Proc& p = procs_[c.tid];
    p.pid = c.tid;
    p.parent = parentTgid;
    p.role = Role::Program; // children of the sandbox's launcher are the program
    p.nspid = c.tid;
    std::string name;
    if (auto dir = ProcDir::open(c.tid)) {
        if (auto st = readProcStatus(*dir)) {
            p.nspid = st->innermostPid();
            name = st->name;
        }
    }
    if (pp && pp->role == Role::Sandbox && !root_) root_ = c.tid;
    emit(c.tid, EventKind::Proc, ev::Proc{p.nspid, parentTgid, p.role, how, trace_.intern(name)});

    if (!cgroup_ && liveTasks() > opt_.maxProcs + 1) {
        // No pids cgroup here: the limit is enforced at the fork event instead.
        kill(c.tid, SIGKILL);
        emit(c.tid, EventKind::KilledBySandbox, ev::KilledBySandbox{});
    }
}

SnapId Tracer::snapshot(pid_t pid, SnapReason why, const std::vector<std::string>& execArgv) {
    SnapId id = trace_.addSnapshot(snapshotProcess(pid, SnapshotDepth::Stop));
    emit(pid, EventKind::Snapshot, ev::Snapshot{id, why});
    learnCPython(pid, why, id, execArgv);
    nameCPythonFds(pid, id);
    return id;
}

// CPython's plumbing as the recorder reads it (CPythonPlumbing): what a snapshot teaches ...
void Tracer::learnCPython(pid_t pid, SnapReason why, SnapId id,
                          const std::vector<std::string>& execArgv) {
    const ProcessSnapshot& s = trace_.snapshot(id);
    switch (why) {
    case SnapReason::PreExec:
        return; // the old image's table: exec decides what stays
    case SnapReason::Exec:
        cpython_.learnExec(pid, execArgv, s);
        return;
    case SnapReason::Fork:
        if (const Proc* p = proc(pid)) cpython_.learnFork(p->parent, pid, s);
        return;
    default:
        cpython_.learnLater(pid, s);
    }
}

// ... and the names it then gives the fds a snapshot shows, beside it.
void Tracer::nameCPythonFds(pid_t pid, SnapId id) {
    if (cpython_.empty()) return;
    for (auto& n : cpython_.namesFor(pid, trace_.snapshot(id)))
        emit(pid, EventKind::Annotation,
             ev::Annotation{ev::NameOf::Fd, trace_.intern(n.label), uint64_t(n.fd),
                            trace_.intern(n.target)});
}

void Tracer::onExec(Task& t, pid_t formerTid) {
    if (formerTid != t.tid) tasks_.erase(formerTid); // exec from a non-leader thread: re-key
    Task& leader = task(t.tgid == 0 ? t.tid : t.tgid);
    leader.isThread = false;
    pid_t pid = leader.tid;
    Proc* p = proc(pid);
    if (!p) return;
    std::string exe, argv;
    std::vector<std::string> args;
    if (auto dir = ProcDir::open(pid)) {
        exe = dir->readLink("exe").value_or("");
        args = readCmdline(*dir);
        for (auto& a : args) {
            argv += a;
            argv += '\0';
        }
    }
    if (p->role != Role::Sandbox) p->role = roleFromCommandLine(exe, args);
    SnapId after = opt_.snapshots ? snapshot(pid, SnapReason::Exec, args) : kNoSnap;
    std::string path = p->execPath.empty() ? exe : p->execPath;
    emit(pid, EventKind::Exec,
         ev::Exec{trace_.intern(path), trace_.intern(exe), trace_.intern(argv), p->preExec, after,
                  p->role});
    p->preExec = kNoSnap;
    p->execPath.clear();
}

void Tracer::onExitStop(Task& t) {
    if (t.isThread || !opt_.snapshots) return;
    Proc* p = proc(t.tid);
    if (!p || p->exitSnapTaken || p->role == Role::Sandbox) return;
    p->exitSnapTaken = true;
    snapshot(t.tid, SnapReason::Exit); // the fd table is still intact at this stop
}

void Tracer::onDeath(pid_t tid, WaitStatus ws) {
    auto it = tasks_.find(tid);
    if (it == tasks_.end()) return; // already reaped (a second report of the same death)
    Task t = it->second;
    tasks_.erase(it);
    if (!t.announced && !t.isThread && procs_.count(tid) == 0) return; // died before we knew it

    Proc* p = proc(tid);
    if (p && !t.isThread) {
        p->alive = false;
        emit(tid, EventKind::Exit, ev::Exit{ws});
        if (tid == root_) {
            rootDone_ = true;
            rootStatus_ = ws;
            rootExitAt_ = monotonicNs();
            readLaunchReport();
        }
        // Children still held for this parent's fork event will never get one.
        for (auto& [ctid, c] : tasks_) {
            if (c.firstStopSeen && !c.announced && c.held) {
                auto dir = ProcDir::open(ctid);
                auto st = dir ? readProcStatus(*dir) : std::nullopt;
                if (!st || st->ppid != tid) continue;
                announceChild(c, tid, ForkKind::Fork);
                childReady(c);
            }
        }
    } else {
        emit(t.tgid, EventKind::ThreadExit, ev::ThreadExit{tid});
    }
}

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

void Tracer::onSeccomp(Task& t, unsigned data) {
    user_regs_struct regs{};
    if (ptrace(PTRACE_GETREGS, t.tid, 0, &regs) != 0) {
        resume(t);
        return;
    }
    const long nr = long(regs.orig_rax);
    const pid_t pid = t.tgid;
    TraceeMemory mem(t.tid);
    switch (Trap(data & 0xffff)) {
    case Trap::Exec: {
        Proc* p = proc(pid);
        if (!p) break;
        bool at = nr == SYS_execveat || nr == (0x40000000 | 545);
        p->execPath = mem.readString(at ? regs.rsi : regs.rdi, PATH_MAX);
        if (opt_.snapshots) p->preExec = snapshot(pid, SnapReason::PreExec);
        break;
    }
    case Trap::Create: {
        int dirfd = AT_FDCWD;
        uint64_t pathPtr = regs.rdi, flags = regs.rsi;
        if (nr == SYS_openat) {
            dirfd = int(regs.rdi);
            pathPtr = regs.rsi;
            flags = regs.rdx;
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
        uint64_t oldPtr = regs.rdi, newPtr = regs.rsi;
        if (nr == SYS_linkat) {
            olddir = int(regs.rdi);
            oldPtr = regs.rsi;
            newdir = int(regs.rdx);
            newPtr = regs.r10;
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
        uint64_t pathPtr = regs.rdi;
        if (nr == SYS_unlinkat) {
            dirfd = int(regs.rdi);
            pathPtr = regs.rsi;
        }
        auto name = shmName(pid, dirfd, mem.readString(pathPtr, PATH_MAX));
        if (!name) break;
        t.pending =
            PendingSyscall{PendingSyscall::Unlink, *name, "", true, false, shmInode(pid, *name)};
        t.resumeToSyscallExit = true;
        break;
    }
    case Trap::Kill: {
        long target = long(int(regs.rdi));
        int sig = int(regs.rsi);
        if (nr == SYS_tgkill) {
            target = long(int(regs.rsi));
            sig = int(regs.rdx);
        }
        if (sig == 0) break; // an existence probe, not a kill
        bool group = nr == SYS_kill && target <= 0;
        pid_t host = group ? pid_t(target) : hostTid(pid_t(target));
        emit(pid, EventKind::Kill, ev::Kill{host ? host : pid_t(target), sig, group});
        break;
    }
    case Trap::Write: {
        int fd = int(regs.rdi);
        std::string text;
        size_t want = 0;
        if (nr == SYS_write) {
            want = size_t(regs.rdx);
            text = mem.read(regs.rsi, std::min(want, kOutputCap));
        } else {
            text = mem.readIovec(regs.rsi, int(regs.rdx), kOutputCap, &want);
        }
        emit(pid, EventKind::Output, ev::Output{fd, trace_.intern(text), want > text.size()});
        break;
    }
    case Trap::Marker: {
        std::string label = mem.read(regs.rdi, std::min<uint64_t>(regs.rsi, kMarkerMaxLabel));
        unsigned flags = unsigned(regs.rdx);
        uint64_t value = regs.r10;
        regs.orig_rax = uint64_t(-1); // skip the (nonexistent) syscall; it returns 0
        regs.rax = 0;
        ptrace(PTRACE_SETREGS, t.tid, 0, &regs);
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
        // The marking task stays stopped: the whole sandbox is frozen *at* the marker.
        pendingMarkers_.push_back(
            {pid, ev::Marker{trace_.intern(label), (flags & kMarkerKey) != 0}});
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
    if (result < 0) return; // the kernel refused: nothing changed
    const pid_t pid = t.tgid;
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

// ---------------------------------------------------------------------------------------------
// Whole-sandbox stops: the idle probe, markers, gates

void Tracer::stopAll() {
    holdAll_ = true;
    for (auto& [tid, t] : tasks_) {
        if (t.held || !t.firstStopSeen) continue;
        if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) == 0) t.interruptPending = true;
    }
    int64_t giveUp = monotonicNs() + 2'000'000'000;
    for (;;) {
        bool waiting = false;
        for (auto& [tid, t] : tasks_) waiting |= !t.held && t.firstStopSeen;
        if (!waiting || monotonicNs() > giveUp) break;
        int raw = 0;
        pid_t r = waitEvent(&raw);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        handle(r, WaitStatus(raw));
    }
}

void Tracer::resumeAll() {
    holdAll_ = false;
    for (auto& [tid, t] : tasks_) {
        if (t.held && t.announced) resume(t);
    }
}

void Tracer::probe(SnapReason why) {
    stopAll();
    snapshotAll(why);
    resumeAll();
}

// A marker: stop everything, then the marker, then every process as it is at that instant, and
// in live stepping hold it all until the user goes on.
void Tracer::markerStop() {
    stopAll();
    for (auto& [pid, m] : pendingMarkers_) emit(pid, EventKind::Marker, m);
    pendingMarkers_.clear();
    if (opt_.snapshots) snapshotAll(SnapReason::Marker);
    if (opt_.stepping) holdUntilStep();
    resumeAll();
}

// Assumes every tracee is stopped.
void Tracer::snapshotAll(SnapReason why) {
    std::vector<std::pair<pid_t, SnapId>> taken;
    for (auto& [pid, p] : procs_) {
        if (!p.alive || p.role == Role::Sandbox) continue;
        ProcessSnapshot snap = snapshotProcess(pid);
        auto verdicts = findDeadlocks(snap, [this](pid_t ns) { return hostTid(ns); });
        SnapId id = trace_.addSnapshot(std::move(snap));
        emit(pid, EventKind::Snapshot, ev::Snapshot{id, why});
        learnCPython(pid, why, id);
        taken.emplace_back(pid, id);
        for (auto& v : verdicts) {
            auto key = std::make_tuple(v.pid, v.tid, v.addr, int(v.rule));
            if (!verdicts_.insert(key).second) continue;
            emit(pid, EventKind::Deadlock,
                 ev::Deadlock{v.tid, uint8_t(v.rule), v.addr, v.ownerTid, v.ownerNsTid,
                              trace_.intern(v.evidence)});
        }
    }
    // Named once everything is seen: an object learnt from one process names it in all.
    for (auto& [pid, id] : taken) nameCPythonFds(pid, id);
}

void Tracer::holdUntilStep() {
    holdStart_ = monotonicNs();
    ctl_.gates++;
    ctl_.held = true;
    while (!ctl_.stepRequested && !ctl_.stopRequested && !tasks_.empty()) {
        int raw = 0;
        pid_t r = waitEvent(&raw);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        handle(r, WaitStatus(raw)); // e.g. killed from outside while held
    }
    ctl_.stepRequested = false;
    ctl_.held = false;
    // The hold was not running time: not for the deadline, the grace period or event times.
    const int64_t held = monotonicNs() - holdStart_;
    holdStart_ = -1;
    heldNs_ += held;
    lastTick_ += held;
    if (rootDone_) rootExitAt_ += held;
}

// ---------------------------------------------------------------------------------------------
// End of the run

void Tracer::teardown(EndReason reason) {
    tearingDown_ = true;
    if (holdAll_) resumeAll();
    // Kill every program process we know; their children are traced too and die at first stop.
    for (auto& [pid, p] : procs_) {
        if (!p.alive || p.role == Role::Sandbox) continue;
        emit(pid, EventKind::KilledBySandbox, ev::KilledBySandbox{});
        kill(pid, SIGKILL);
    }
    int64_t giveUp = monotonicNs() + 5'000'000'000;
    while (liveProgramProcs() > 0 && monotonicNs() < giveUp) {
        for (auto& [pid, p] : procs_)
            if (p.alive && p.role != Role::Sandbox) kill(pid, SIGKILL);
        int raw = 0;
        pid_t r = waitEvent(&raw);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        handle(r, WaitStatus(raw));
    }
    finish(reason);
}

void Tracer::sweepShm() {
    // What is still in the private /dev/shm, and every name this run created that still exists,
    // is a leak: reported with its creator. Only the private tmpfs, through the fd held since
    // it was made, is ever swept; in the host's /dev/shm nothing is removed.
    auto creatorOf = [&](const std::string& name) {
        pid_t creator = 0;
        if (auto it = created_.find(name); it != created_.end()) creator = it->second;
        if (auto it = temps_.find(name); it != temps_.end()) creator = it->second;
        return creator;
    };
    if (shm_ && shm_->stillOurs()) {
        for (auto& name : shm_->names()) {
            pid_t creator = creatorOf(name);
            bool removed = shm_->remove(name);
            emit(creator, EventKind::Leak, ev::Leak{trace_.intern(name), creator, removed});
        }
        return;
    }
    if (isolation_ & kIsoMountNs) return; // the names died with the sandbox's mounts
    std::set<std::string> names;
    for (auto& [n, pid] : created_) names.insert(n);
    for (auto& [n, pid] : temps_) names.insert(n);
    for (auto& name : names) {
        if (name.find('/') != std::string::npos) continue;
        if (access((kShmDir + name).c_str(), F_OK) != 0) continue;
        pid_t creator = creatorOf(name);
        emit(creator, EventKind::Leak, ev::Leak{trace_.intern(name), creator, false});
    }
}

// Zombies of killed processes are reparented to the launcher (subreaper or pid 1), which reaps
// them; kill it only once it has, or they would end up with the host's init.
void Tracer::waitForLauncherToReap() {
    if (launcher_ <= 0 || !tasks_.count(launcher_)) return;
    auto dir = ProcDir::openTask(launcher_, launcher_);
    int64_t giveUp = monotonicNs() + 2'000'000'000;
    while (dir && monotonicNs() < giveUp) {
        auto children = dir->readFile("children");
        if (!children || children->find_first_not_of(" \n") == std::string::npos) return;
        int raw = 0;
        pid_t r = waitpid(-1, &raw, __WALL | __WNOTHREAD | WNOHANG);
        if (r > 0)
            handle(r, WaitStatus(raw));
        else
            usleep(1000);
    }
}

void Tracer::finish(EndReason reason) {
    readLaunchReport();
    if (launchStage_ > kStageExec) reason = EndReason::LaunchFailed;
    announceRun();
    tearingDown_ = true;
    waitForLauncherToReap();
    if (launcher_ > 0) kill(launcher_, SIGKILL); // as pid 1 it takes the whole namespace along
    // Without a pid namespace nothing takes the rest along: every task still known dies here,
    // also one held at its first stop for a fork event its killed parent never reported.
    auto killAll = [&] {
        for (auto& [tid, t] : tasks_) kill(tid, SIGKILL);
    };
    killAll();
    while (!tasks_.empty()) {
        int raw = 0;
        pid_t r = waitEvent(&raw);
        if (r < 0) {
            if (errno != EINTR) break;
            killAll();
            continue;
        }
        WaitStatus ws(raw);
        if (!ws.dead()) {
            Task& t = task(r);
            if (!t.firstStopSeen) kill(r, SIGKILL);
            ptrace(PTRACE_CONT, r, 0, 0);
            continue;
        }
        handle(r, ws);
    }
    // Every process is gone now (the namespace died with the launcher): sweep what stayed.
    sweepShm();
    readLaunchReport();
    int code = rootDone_ ? rootStatus_.shellCode() : 128 + SIGKILL;
    if (execErrno_) code = execErrno_ == ENOENT ? 127 : 126;
    if (launchStage_ > kStageExec) code = 125;
    cgroup_.reset();
    emit(0, EventKind::RunEnd, ev::RunEnd{reason, rootStatus_, code});
}

} // namespace

int runTracer(const SandboxOptions& options, const std::string& programPath, Trace& trace,
              TracerControl& control) {
    Tracer tracer(options, programPath, trace, control);
    int code = tracer.run();
    control.exitCode = code;
    control.done = true;
    return code;
}

} // namespace forklab
