#pragma once
// The semaphore tracker, as CPython's resource tracker: a process started by spawn that holds the
// read end of a pipe whose write ends every user holds. Users write "REGISTER:name:semaphore:pid"
// and "UNREGISTER:name:semaphore" lines. When the last writer is gone (EOF), it warns about and
// unlinks every name still registered. Eager mode also unlinks a name as soon as the process
// that registered it dies (pidfd). SIGINT/SIGTERM are ignored; SIGKILL is not, and then the
// leak stays.
#include <string>
#include <sys/types.h>

namespace forklab::launch {

// Parent side: the write end of this process's tracker pipe, starting the tracker on first use.
int ensureTracker(bool eager = false);
pid_t trackerPid(); // in this process's pid namespace; 0 if this process did not start one

void trackerRegister(const std::string& name);
void trackerUnregister(const std::string& name);

// The tracker process itself.
int trackerMain(int readFd, bool eager);

} // namespace forklab::launch
