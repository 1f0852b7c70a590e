#include "SyntheticTrace.hpp"

#include "core/probe/Deadlock.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace forklab {
namespace {

FdEntry fd(int n, std::string target, FdKind kind, uint64_t inode, AccessMode mode, bool cloexec) {
    FdEntry f;
    f.fd = n;
    f.target = std::move(target);
    f.kind = kind;
    f.inode = inode;
    f.access = mode;
    f.cloexec = cloexec;
    f.flags = cloexec ? 02000000 : 0;
    return f;
}

} // namespace

void makeSyntheticTrace(Trace& trace, const SyntheticTraceSpec& spec) {
    std::mt19937 rng(spec.seed);
    auto uniform = [&](size_t n) { return n ? size_t(rng() % n) : 0; };
    int64_t t = 0;
    size_t count = 0;
    auto push = [&](pid_t pid, EventKind kind, Payload data) {
        t += 500 + int64_t(uniform(1000));
        Event e;
        e.t = t;
        e.pid = pid;
        e.kind = kind;
        e.data = std::move(data);
        trace.append(std::move(e));
        ++count;
    };
    const int procs = std::max(1, spec.processes);
    const size_t total = std::max(spec.events, size_t(procs) * 8);
    const pid_t firstPid = 10000;

    push(0, EventKind::RunStart,
         ev::RunStart{trace.intern("synthetic trace"),
                      uint8_t(kIsoUserNs | kIsoPidNs | kIsoIpcNs | kIsoMountNs | kIsoPrivateShm),
                      procs * 2, 60000, 1000});
    const pid_t sandbox = firstPid;
    push(sandbox, EventKind::Proc,
         ev::Proc{1, 0, Role::Sandbox, ForkKind::Fork, trace.intern("forklab-sandbox")});

    std::vector<StrId> names, outputs, labels;
    for (const char* n : {"python3", "worker", "server", "tracker", "sh", "cat", "sleep"})
        names.push_back(trace.intern(n));
    for (int i = 0; i < 16; ++i)
        outputs.push_back(trace.intern("line " + std::to_string(i) + " of some output\n"));
    for (int i = 0; i < 64; ++i) labels.push_back(trace.intern("step " + std::to_string(i + 1)));
    const StrId exe = trace.intern("/usr/bin/python3");
    const StrId argv = trace.intern(std::string("python3\0-c\0work()", 17));

    std::vector<pid_t> alive;
    std::vector<SnapId> lastSnap(size_t(procs) + 2, kNoSnap);
    auto slot = [&](pid_t pid) { return size_t(pid - firstPid); };
    auto snapshotOf = [&](pid_t pid, pid_t ppid, bool full, int extra) {
        ProcessSnapshot s;
        s.pid = pid;
        s.nspid = pid - firstPid + 1;
        s.ppid = ppid;
        s.state = 'S';
        s.full = full;
        s.fds = {fd(0, "/dev/null", FdKind::File, 0, AccessMode::Read, false),
                 fd(1, "pipe:[500]", FdKind::Pipe, 500, AccessMode::Write, false),
                 fd(2, "pipe:[500]", FdKind::Pipe, 500, AccessMode::Write, false)};
        for (int i = 0; i < extra; ++i)
            s.fds.push_back(fd(3 + i, "pipe:[" + std::to_string(1000 + pid + i) + "]", FdKind::Pipe,
                               uint64_t(1000 + pid + i),
                               i % 2 ? AccessMode::Write : AccessMode::Read, i % 3 == 0));
        ThreadState th;
        th.tid = pid;
        th.nstid = s.nspid;
        th.state = 'S';
        s.threads = {th};
        return trace.addSnapshot(std::move(s));
    };

    // Births over the first half of the run; each process dies at a random later time, a few
    // never (teardown kills them at the end).
    using Death = std::pair<size_t, pid_t>; // (event count, pid)
    std::priority_queue<Death, std::vector<Death>, std::greater<Death>> deaths;
    const size_t birthEvery = std::max<size_t>(1, total / 2 / size_t(procs));
    const size_t markerEvery = std::max<size_t>(1, total / 60);
    int born = 0;
    size_t nextMarker = markerEvery;
    bool deadlockDone = false, shmDone = false;

    while (count < total || born < procs) {
        if (born < procs && (count >= size_t(born) * birthEvery || count >= total)) {
            const pid_t child = firstPid + 1 + born;
            // Half the time a recent process forks (chains), else any (a bushy tree).
            const size_t pick = uniform(2)
                                    ? alive.size() - 1 - uniform(std::min<size_t>(alive.size(), 8))
                                    : uniform(alive.size());
            const pid_t parent = born == 0 ? sandbox : alive[pick];
            const bool vfork = born > 0 && uniform(4) == 0;
            push(parent, EventKind::Fork,
                 ev::Fork{child, vfork ? ForkKind::Vfork : ForkKind::Fork});
            push(child, EventKind::Proc,
                 ev::Proc{child - firstPid + 1, parent, Role::Program,
                          vfork ? ForkKind::Vfork : ForkKind::Fork, names[uniform(names.size())]});
            SnapId s = snapshotOf(child, parent, false, 2 + int(uniform(4)));
            push(child, EventKind::Snapshot, ev::Snapshot{s, SnapReason::Fork});
            lastSnap[slot(child)] = s;
            if (vfork || uniform(3) == 0) {
                SnapId after = snapshotOf(child, parent, false, 0);
                push(child, EventKind::Snapshot, ev::Snapshot{after, SnapReason::Exec});
                push(child, EventKind::Exec,
                     ev::Exec{exe, exe, argv, s, after, vfork ? Role::SpawnChild : Role::Program});
                lastSnap[slot(child)] = after;
            }
            if (uniform(4) == 0)
                push(child, EventKind::Fork, ev::Fork{child + 500000, ForkKind::Thread});
            alive.push_back(child);
            if (born > 0 && uniform(10) != 0)
                deaths.push({count + total / 10 + uniform(total / 2), child});
            ++born;
            continue;
        }
        if (!deaths.empty() && deaths.top().first <= count) {
            pid_t pid = deaths.top().second;
            deaths.pop();
            std::erase(alive, pid);
            bool killed = uniform(8) == 0;
            push(pid, EventKind::Exit,
                 ev::Exit{killed ? WaitStatus::forSignal(9) : WaitStatus::forExit(0)});
            continue;
        }
        if (count >= nextMarker) {
            nextMarker += markerEvery;
            push(firstPid + 1, EventKind::Marker,
                 ev::Marker{labels[(count / markerEvery) % labels.size()],
                            count > total / 2 && count < total / 2 + markerEvery});
            continue;
        }
        if (alive.empty()) break;
        const pid_t who = alive[uniform(alive.size())];
        if (!deadlockDone && count > total / 3 && who != firstPid + 1) {
            deadlockDone = true;
            SnapId s = snapshotOf(who, firstPid + 1, true, 1);
            push(who, EventKind::Snapshot, ev::Snapshot{s, SnapReason::Probe});
            push(who, EventKind::Deadlock,
                 ev::Deadlock{
                     who, uint8_t(DeadlockRule::OrphanedMutex), 0x5555000010c0, 0, 3,
                     trace.intern("synthetic: owner tid 3 is not a thread of this process")});
            continue;
        }
        if (!shmDone && count > total / 4) {
            shmDone = true;
            push(who, EventKind::ShmCreate, ev::Shm{trace.intern("sem.synthetic"), 4242});
            continue;
        }
        if (uniform(5) == 0) {
            SnapId s = lastSnap[slot(who)];
            if (s != kNoSnap) push(who, EventKind::Snapshot, ev::Snapshot{s, SnapReason::Probe});
        } else {
            push(who, EventKind::Output, ev::Output{1, outputs[uniform(outputs.size())], false});
        }
    }
    // Teardown: what is still alive is killed by the sandbox; the semaphore leaked.
    for (pid_t pid : alive) {
        push(pid, EventKind::KilledBySandbox, ev::KilledBySandbox{});
        push(pid, EventKind::Exit, ev::Exit{WaitStatus::forSignal(9)});
    }
    push(0, EventKind::Leak, ev::Leak{trace.intern("sem.synthetic"), firstPid + 2});
    push(sandbox, EventKind::Exit, ev::Exit{WaitStatus::forSignal(9)});
    push(0, EventKind::RunEnd, ev::RunEnd{EndReason::Grace, WaitStatus::forExit(0), 0});
}

} // namespace forklab
