#include "Event.hpp"

namespace forklab {

const char* toString(ForkKind k) {
    switch (k) {
    case ForkKind::Fork:
        return "fork";
    case ForkKind::Vfork:
        return "vfork";
    case ForkKind::Thread:
        return "thread";
    }
    return "?";
}

const char* toString(SnapReason r) {
    switch (r) {
    case SnapReason::Start:
        return "start";
    case SnapReason::Fork:
        return "fork";
    case SnapReason::PreExec:
        return "pre-exec";
    case SnapReason::Exec:
        return "exec";
    case SnapReason::Exit:
        return "exit";
    case SnapReason::Probe:
        return "probe";
    case SnapReason::Marker:
        return "marker";
    }
    return "?";
}

const IsolationName kIsolationNames[11] = {{kIsoIpcNs, "ipc_ns"},
                                           {kIsoLockedMounts, "locked_mounts"},
                                           {kIsoMountNs, "mount_ns"},
                                           {kIsoNetNs, "net_ns"},
                                           {kIsoPidNs, "pid_ns"},
                                           {kIsoPidsCgroup, "pids_cgroup"},
                                           {kIsoPrivateShm, "private_shm"},
                                           {kIsoPrivateTmp, "private_tmp"},
                                           {kIsoReadOnlyRoot, "read_only_root"},
                                           {kIsoTaskRlimit, "task_rlimit"},
                                           {kIsoUserNs, "user_ns"}};

const char* toString(TaskLimit l) {
    switch (l) {
    case TaskLimit::PidsCgroup:
        return "pids_cgroup";
    case TaskLimit::TaskRlimit:
        return "rlimit_nproc";
    case TaskLimit::Other:
        return "other";
    }
    return "?";
}

const char* toString(EndReason r) {
    switch (r) {
    case EndReason::AllExited:
        return "all-exited";
    case EndReason::Grace:
        return "grace";
    case EndReason::Deadline:
        return "deadline";
    case EndReason::Stopped:
        return "stopped";
    case EndReason::LaunchFailed:
        return "launch-failed";
    }
    return "?";
}

const char* kindName(const Event& e) {
    switch (e.kind) {
    case EventKind::RunStart:
        return "run_start";
    case EventKind::Proc:
        return "proc";
    case EventKind::Fork:
        return toString(e.as<ev::Fork>().how);
    case EventKind::Exec:
        return "exec";
    case EventKind::Exit:
        return "exit";
    case EventKind::ThreadExit:
        return "thread_exit";
    case EventKind::Snapshot:
        return "snapshot";
    case EventKind::Output:
        return "output";
    case EventKind::Deadlock:
        return "deadlock";
    case EventKind::ShmCreate:
        return "shm_create";
    case EventKind::ShmUnlink:
        return "shm_unlink";
    case EventKind::Leak:
        return "leak";
    case EventKind::Kill:
        return "kill";
    case EventKind::Marker:
        return "marker";
    case EventKind::KilledBySandbox:
        return "killed_by_sandbox";
    case EventKind::RunEnd:
        return "run_end";
    case EventKind::Annotation:
        return e.as<ev::Annotation>().what == ev::NameOf::Mutex ? "name_mutex" : "name_fd";
    case EventKind::PipeWrite:
        return "pipe_write";
    case EventKind::CloneRefused:
        return "clone_refused";
    }
    return "?";
}

std::vector<std::string> splitArgv(std::string_view s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < s.size()) {
        size_t end = s.find('\0', start);
        if (end == std::string_view::npos) end = s.size();
        out.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

} // namespace forklab
