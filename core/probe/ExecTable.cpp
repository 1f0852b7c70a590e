#include "ExecTable.hpp"

#include <algorithm>

namespace forklab {

bool soleThreadTable(const ProcessSnapshot& s) {
    // Stop depth only: a full snapshot also holds mappings, which an exec replaces.
    const bool alone = s.threads.size() == 1 && s.threads[0].tid == s.pid;
    return alone && !s.partial && !s.full && s.state != 'Z';
}

std::optional<ProcessSnapshot> tableAfterExec(const ProcessSnapshot& before,
                                              const std::vector<int>& fdsNow) {
    if (!soleThreadTable(before)) return std::nullopt;
    ProcessSnapshot after = before;
    after.derived = true;
    std::vector<FdEntry> kept;
    for (const FdEntry& e : before.fds)
        if (!e.cloexec) kept.push_back(e);
    std::vector<int> now = fdsNow;
    std::sort(now.begin(), now.end());
    if (!std::equal(kept.begin(), kept.end(), now.begin(), now.end(),
                    [](const FdEntry& e, int fd) { return e.fd == fd; }))
        return std::nullopt;
    if (kept.size() != before.fds.size()) after.fds = std::move(kept); // else shared with before
    return after;
}

} // namespace forklab
