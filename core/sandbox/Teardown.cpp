// The end of a run: processes the tracer has not recorded, teardown, the /dev/shm sweep and
// the last events.
#include "TracerState.hpp"

namespace forklab::tracer {

// The kernel's side of "every process has exited": the live descendants of the launcher (the
// reaper of every orphan, in both modes) that the tracer has not recorded, parents first. The
// filter lets no clone hide a child from ptrace; this is the check that none was.
std::vector<pid_t> Tracer::unrecordedProcs() const {
    std::vector<pid_t> out, queue{launcher_};
    std::set<pid_t> seen{launcher_};
    for (size_t i = 0; i < queue.size() && queue.size() < 100'000; ++i) {
        std::string base = "/proc/" + std::to_string(queue[i]) + "/task";
        DIR* d = opendir(base.c_str());
        if (!d) continue;
        while (dirent* e = readdir(d)) {
            if (e->d_name[0] == '.') continue;
            auto dir = ProcDir::openTask(queue[i], pid_t(atoi(e->d_name)));
            auto text = dir ? dir->readFile("children") : std::nullopt;
            if (!text) continue;
            const char* c = text->c_str();
            while (*c) {
                char* end = nullptr;
                long v = strtol(c, &end, 10);
                if (end == c) break;
                c = end;
                if (v > 0 && seen.insert(pid_t(v)).second) queue.push_back(pid_t(v));
            }
        }
        closedir(d);
    }
    for (pid_t pid : queue) {
        if (pid == launcher_) continue;
        const Proc* p = procs_.count(pid) ? &procs_.at(pid) : nullptr;
        if (p && p->alive) continue;
        auto dir = ProcDir::open(pid);
        auto st = dir ? readProcStatus(*dir) : std::nullopt;
        if (st && st->state != 'Z' && st->state != 'X' && !tasks_.count(pid)) out.push_back(pid);
    }
    return out;
}

// Records the sandbox's unrecorded processes from now on: seized, announced as their parent's
// children; one that cannot be seized is killed and recorded as killed. Returns how many.
int Tracer::adoptUnrecorded() {
    long options = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                   PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_TRACESECCOMP |
                   PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;
    auto found = unrecordedProcs();
    for (pid_t pid : found) {
        auto dir = ProcDir::open(pid);
        auto st = dir ? readProcStatus(*dir) : std::nullopt;
        pid_t parent = st ? st->ppid : launcher_;
        if (ptrace(PTRACE_SEIZE, pid, 0, options) != 0) {
            kill(pid, SIGKILL);
            emit(pid, EventKind::Proc,
                 ev::Proc{st ? st->innermostPid() : pid, parent, Role::Program, ForkKind::Fork,
                          trace_.intern(st ? st->name : "")});
            emit(pid, EventKind::KilledBySandbox, ev::KilledBySandbox{});
            continue;
        }
        Task& t = task(pid);
        t.firstStopSeen = true; // seized while running: no attach stop
        announceChild(t, parent, ForkKind::Fork);
    }
    return int(found.size());
}

// ---------------------------------------------------------------------------------------------
// End of the run

void Tracer::teardown(EndReason reason) {
    if (holdAll_) resumeAll();
    adoptUnrecorded(); // killed with the rest, and recorded
    tearingDown_ = true;
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
        if (!handleNext()) break;
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
    reportNotKept(0);
    emit(0, EventKind::RunEnd, ev::RunEnd{reason, rootStatus_, code});
}

} // namespace forklab::tracer
