#pragma once
// The fd table right after a successful exec, from the one read at its execve stop. The kernel
// closes exactly the close-on-exec fds (do_close_on_exec) and keeps the others as they were, so
// the table after is the table before less those: no /proc read needed at the exec stop.
#include "Snapshot.hpp"

#include <optional>
#include <vector>

namespace forklab {

// A stop snapshot of a process alone with its table: read whole, one thread (the leader), so
// while it stays stopped nothing but its own syscalls can change the table. The caller still
// rules out sharing with another process (clone with CLONE_FILES).
bool soleThreadTable(const ProcessSnapshot& s);

// `before` is the stop snapshot taken at this exec's own execve stop; `fdsNow` the fd numbers
// listed at the exec stop. nullopt when the rule cannot be trusted: `before` is not
// soleThreadTable (another thread could have changed the table meanwhile), or the numbers now are
// not the ones the rule gives (binfmt_misc's "O" flag, for one, opens an fd during exec).
std::optional<ProcessSnapshot> tableAfterExec(const ProcessSnapshot& before,
                                              const std::vector<int>& fdsNow);

} // namespace forklab
