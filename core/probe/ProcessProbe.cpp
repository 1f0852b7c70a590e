#include "ProcessProbe.hpp"

#include "FdTable.hpp"
#include "ProcDir.hpp"
#include "ProcStatus.hpp"
#include "ShmMaps.hpp"
#include "Threads.hpp"

#include <optional>
#include <vector>

namespace forklab {

ProcessSnapshot snapshotProcess(pid_t pid, SnapshotDepth depth) {
    // Everything reads through this one handle: once pid is reaped every read fails, even if
    // the number is reused meanwhile.
    if (auto dir = ProcDir::open(pid)) return snapshotProcess(*dir, depth);
    ProcessSnapshot snap;
    snap.pid = pid;
    snap.full = depth == SnapshotDepth::Full;
    snap.partial = true;
    return snap;
}

ProcessSnapshot snapshotProcess(const ProcDir& handle, SnapshotDepth depth, pid_t nspid) {
    const pid_t pid = handle.pid();
    const ProcDir* dir = &handle;
    ProcessSnapshot snap;
    snap.pid = pid;
    snap.full = depth == SnapshotDepth::Full;
    bool partial = false;
    int threads = 0; // Threads: 1 spares the listing of task/ below
    if (!snap.full && nspid > 0) {
        if (auto st = readProcStat(*dir)) {
            snap.nspid = nspid;
            snap.ppid = st->ppid;
            snap.state = st->state;
            threads = st->threads;
        } else {
            partial = true;
        }
    } else if (auto st = readProcStatus(*dir)) {
        snap.nspid = st->innermostPid();
        snap.ppid = st->ppid;
        snap.state = st->state;
        threads = st->threads;
    } else {
        partial = true;
    }
    // A leader that called pthread_exit() is a zombie while its other threads run on: the
    // process's fds and maps, gone from the leader's directory, are read through a live thread.
    std::optional<ProcDir> liveThread;
    if (snap.state == 'Z') {
        for (pid_t tid : listThreads(*dir)) {
            if (tid == pid) continue;
            auto t = ProcDir::openTask(pid, tid);
            auto stat = t ? t->readFile("stat") : std::nullopt;
            if (!stat || parseStatState(*stat) == 'Z') continue;
            liveThread = std::move(t);
            break;
        }
    }
    const ProcDir& files = liveThread ? *liveThread : *dir;
    // A zombie has closed every file in do_exit; its fd directory may not even be readable
    // (EACCES for anyone but root), which is no sign of a partial look.
    const bool zombie = snap.state == 'Z' && !liveThread;
    if (!snap.full) {
        if (!zombie) snap.fds = readFdTable(files, &partial, false);
        // One thread and the leader alive: task/ lists exactly the leader. The kernel counts and
        // lists a thread group's threads together (nr_threads and the thread list change under
        // one lock, at clone and at release), and a leader that is not a zombie is listed.
        std::vector<pid_t> tids;
        if (threads == 1 && snap.state != 'Z' && snap.state != 'X')
            tids = {pid};
        else
            tids = listThreads(*dir);
        for (pid_t tid : tids) {
            ThreadState t;
            t.tid = tid;
            t.nstid = tid == pid ? snap.nspid : 0; // other threads' inner tids: full snapshots
            t.syscall.running = true;              // unknown at this depth
            snap.threads.push_back(std::move(t));
        }
        snap.partial = partial;
        return snap;
    }
    if (auto stat = dir->readFile("stat"))
        snap.state = parseStatState(*stat);
    else
        partial = true;
    if (snap.state != 'Z' || liveThread) snap.fds = readFdTable(files, &partial);
    snap.threads = readThreads(*dir, &partial);
    if (auto maps = files.readFile("maps"))
        snap.shm = parseShmMappings(*maps);
    else
        partial = true;
    snap.partial = partial;
    return snap;
}

} // namespace forklab
