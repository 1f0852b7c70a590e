#pragma once
// The forkserver, as CPython's: a single-threaded server started once by spawn, listening on a
// unix socket in a private 0700 directory. Per launch the parent connects, passes
// [data read end, status write end, alive write end, tracker write end] with SCM_RIGHTS, and
// writes the call into the data pipe; the server forks, writes the child's pid (8 bytes) and later
// its exit status (8 bytes) into the status pipe. Its children are the server's, not the parent's.
// The server exits when the "alive" pipe reaches EOF: the parent and all its children are gone.
#include <string>
#include <sys/types.h>
#include <vector>

namespace forklab::launch {

struct ForkServerLaunch {
    pid_t pid = -1;    // the new child, as the server reported it
    int sentinel = -1; // status pipe read end: the exit status arrives here
};

// Parent side. Starts the server (and the tracker) on first use.
ForkServerLaunch forkServerLaunch(const std::string& callData, const std::vector<int>& extraFds);
pid_t forkServerPid(); // 0 if not started by this process

// The server process itself.
int forkServerMain(int listenFd, int aliveFd);

} // namespace forklab::launch
