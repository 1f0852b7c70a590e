// A clone the kernel refuses at the run's task limit (pids cgroup, or RLIMIT_NPROC in the
// program's user namespace) leaves no ptrace event: only the syscall's exit says EAGAIN. Exit
// stops cost two stops per syscall, so the recorder asks for them only while the run is near its
// limit; a run that never comes near it is traced exactly as before.
#include "TracerState.hpp"

namespace forklab::tracer {
namespace {

constexpr long kX32 = 0x40000000;

// What a syscall entry asks for if it creates a task: fork, vfork, clone, clone3 (native or
// i386), with CLONE_THREAD / CLONE_VFORK read from its flags. nullopt: not a clone.
std::optional<ForkKind> cloneAsked(pid_t tid, const __ptrace_syscall_info& info) {
    const bool native = info.arch == AUDIT_ARCH_X86_64;
    const long nr = long(info.entry.nr) & ~kX32;
    const long fork = native ? SYS_fork : 2, vfork = native ? SYS_vfork : 190;
    const long clone = native ? SYS_clone : 120, clone3 = 435; // same number on both
    if (nr == fork) return ForkKind::Fork;
    if (nr == vfork) return ForkKind::Vfork;
    uint64_t flags = 0;
    if (nr == clone) {
        flags = info.entry.args[0];
    } else if (nr == clone3) {
        std::string raw = TraceeMemory(tid).read(info.entry.args[0], sizeof flags);
        if (raw.size() == sizeof flags) memcpy(&flags, raw.data(), sizeof flags);
    } else {
        return std::nullopt;
    }
    if (flags & CLONE_THREAD) return ForkKind::Thread;
    if (flags & CLONE_VFORK) return ForkKind::Vfork;
    return ForkKind::Fork;
}

bool stillThere(pid_t pid) {
    return kill(pid, 0) == 0 || errno == EPERM;
}

} // namespace

// The kernel's count as the recorder can know it: traced tasks, and processes that exited but
// whose parent has not reaped them yet (they still count against the limit).
int Tracer::taskCountNearLimit() {
    if (!cgroup_ && !maxTasks_) return -1; // the limit is forklab's own, at the fork event
    const int limit = opt_.maxProcs + 1;   // +1: the launcher
    const int margin = std::max(4, opt_.maxProcs / 16);
    if (liveTasks() + int(unreaped_.size()) + margin < limit) return -1;
    // Near by the rough count: look again at which of the exited are still zombies.
    std::erase_if(unreaped_, [](pid_t p) { return !stillThere(p); });
    const int count = liveTasks() + int(unreaped_.size());
    return count + margin < limit ? -1 : count;
}

void Tracer::watchTaskLimit() {
    const bool near = taskCountNearLimit() >= 0;
    if (near == watchClones_) return;
    watchClones_ = near;
    if (!near) return; // each task leaves syscall stops at its next stop
    // Every task resumed before now runs without syscall stops: interrupt it once, so that it
    // is resumed with them (resume() picks PTRACE_SYSCALL while watching).
    for (auto& [tid, t] : tasks_) {
        if (t.held || !t.firstStopSeen || t.exiting || t.interruptPending) continue;
        if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) == 0) t.interruptPending = true;
    }
}

void Tracer::noteUnreaped(pid_t pid) {
    if (cgroup_ || maxTasks_) unreaped_.push_back(pid);
}

// A syscall stop while watching. True if it was a syscall entry (nothing else to do there).
bool Tracer::onCloneSyscallStop(Task& t) {
    __ptrace_syscall_info info{};
    if (ptrace(PTRACE_GET_SYSCALL_INFO, t.tid, sizeof info, &info) <= 0) return false;
    if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
        auto how = cloneAsked(t.tid, info);
        t.cloneAsked = how.has_value();
        if (how) t.cloneHow = *how;
        return true;
    }
    if (info.op != PTRACE_SYSCALL_INFO_EXIT || !t.cloneAsked) return false;
    t.cloneAsked = false;
    if (!info.exit.is_error || info.exit.rval != -EAGAIN) return false;
    const TaskLimit limit = cgroup_     ? TaskLimit::PidsCgroup
                            : maxTasks_ ? TaskLimit::TaskRlimit
                                        : TaskLimit::Other;
    emit(t.tgid, EventKind::CloneRefused,
         ev::CloneRefused{limit, opt_.maxProcs, liveTasks() + int(unreaped_.size()),
                          int(-info.exit.rval), t.cloneHow});
    return false;
}

} // namespace forklab::tracer
