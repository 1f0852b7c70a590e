#include "ProcessProbe.hpp"

#include "FdTable.hpp"
#include "ProcDir.hpp"
#include "ProcStatus.hpp"
#include "ShmMaps.hpp"
#include "Threads.hpp"

namespace forklab {

ProcessSnapshot snapshotProcess(pid_t pid) {
    ProcessSnapshot snap;
    snap.pid = pid;
    // Everything below reads through this one handle: once pid is reaped every read fails,
    // even if the number is reused meanwhile.
    auto dir = ProcDir::open(pid);
    if (!dir) {
        snap.partial = true;
        return snap;
    }
    bool partial = false;
    if (auto st = readProcStatus(*dir)) {
        snap.nspid = st->innermostPid();
        snap.ppid = st->ppid;
    } else {
        partial = true;
    }
    if (auto stat = dir->readFile("stat"))
        snap.state = parseStatState(*stat);
    else
        partial = true;
    snap.fds = readFdTable(*dir, &partial);
    snap.threads = readThreads(*dir, &partial);
    if (auto maps = dir->readFile("maps"))
        snap.shm = parseShmMappings(*maps);
    else
        partial = true;
    snap.partial = partial;
    return snap;
}

} // namespace forklab
