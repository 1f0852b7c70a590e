#include "Refusal.hpp"

#include <cstring>

namespace forklab {
namespace {

std::string limitWords(const ev::CloneRefused& d) {
    std::string s =
        "the run's limit of " + std::to_string(d.maxProcs) + " tasks (--max-procs; threads count)";
    switch (d.limit) {
    case TaskLimit::PidsCgroup:
        return s + ", kept by the pids cgroup";
    case TaskLimit::TaskRlimit:
        return s + ", kept by RLIMIT_NPROC in the program's user namespace";
    case TaskLimit::Other:
        break;
    }
    return s;
}

std::string errWords(int err) {
    const char* name = strerrorname_np(err);
    return name ? name : "errno " + std::to_string(err);
}

} // namespace

std::string refusalText(const ev::CloneRefused& d) {
    const char* what = d.how == ForkKind::Thread  ? "a thread"
                       : d.how == ForkKind::Vfork ? "a process (vfork)"
                                                  : "a process";
    return std::string("could not start ") + what + ": the kernel refused the clone (" +
           errWords(d.err) + ") with " + std::to_string(d.tasks) + " tasks alive, at " +
           limitWords(d);
}

std::string refusalSummary(const ev::CloneRefused& first, int count) {
    return limitWords(first) + " refused " + std::to_string(count) +
           (count == 1 ? " clone" : " clones") + " (the program saw " + errWords(first.err) + ")";
}

} // namespace forklab
