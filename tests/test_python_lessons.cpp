// The Python lessons written for issue 14 (python-main-guard, python-start-method-defaults,
// python-register-at-fork), each under fork, spawn and forkserver. Every check is a fact the
// recorder observed: the tree (who forked whom, who exec'd), each process's own writes to
// stdout and stderr, exit statuses, verdicts, and which process wrote which step marker.
#include "PythonHelpers.hpp"

#include "core/lessons/VersionFacts.hpp"
#include "core/probe/Deadlock.hpp"

#include <algorithm>
#include <set>

using namespace forklab;
using namespace forklab::test;

TEST_CASE("python-main-guard: module-level code re-runs in spawn and forkserver children",
          "[python][lessons]") {
    if (pythonMissing()) return;
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("python-main-guard", m);
        INFO(r.story());
        World w = r.world();
        const ProcessView& parent = root(w);
        pid_t child = keyPid(r);
        REQUIRE(child != parent.pid);
        const ProcessView* c = w.find(child);
        REQUIRE(c);
        // The parent executed the file once, as __main__ (its pid as the sandbox shows it).
        std::string parentOut = outputOf(r, parent.pid);
        CHECK(parentOut.find("module level: pid " + std::to_string(parent.nspid) +
                             ", __name__ = '__main__'\n") == 0);
        std::string childOut = outputOf(r, child);
        CHECK(childOut.find("target: pid " + std::to_string(c->nspid)) != std::string::npos);
        if (m == StartMethod::Fork) {
            CHECK(childOut.find("module level") == std::string::npos); // a copy: nothing re-runs
            CHECK(c->execs == 0);
        } else {
            // The child ran the file's body itself, under the name spawn.prepare() gives it,
            // before its target.
            CHECK(childOut.find("module level: pid " + std::to_string(c->nspid) +
                                ", __name__ = '__mp_main__'\n") == 0);
        }
        CHECK(c->status.exitCode() == 0);
    }
}

TEST_CASE("python-main-guard --variant unguarded: CPython's bootstrapping RuntimeError",
          "[python][lessons]") {
    if (pythonMissing()) return;
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("python-main-guard", m, "unguarded");
        INFO(r.story());
        World w = r.world();
        const ProcessView& parent = root(w);
        if (m == StartMethod::Fork) {
            // Nothing re-runs in a fork child: the missing guard changes nothing.
            pid_t child = markerPid(r, "the child runs its target");
            REQUIRE(child != 0);
            REQUIRE(child != parent.pid);
            CHECK(w.find(child)->status.exitCode() == 0);
            CHECK(outputOf(r, parent.pid).find("the child exited with 0") != std::string::npos);
            continue;
        }
        // The child's re-run of the file, as __mp_main__, reached start(): CPython refused.
        pid_t child = writerOf(r, "__name__ = '__mp_main__'");
        REQUIRE(child != 0);
        const ProcessView* c = w.find(child);
        REQUIRE(c);
        CHECK(c->parent ==
              (m == StartMethod::Spawn ? parent.pid : withRole(w, Role::Forkserver).at(0)->pid));
        std::string err = outputOf(r, child, 2);
        CAPTURE(err);
        CHECK(err.find("RuntimeError") != std::string::npos);
        CHECK(err.find("current process has finished its bootstrapping phase") !=
              std::string::npos);
        CHECK(c->status.exitCode() == 1);
        CHECK(c->children.empty());                            // no grandchild started
        CHECK(markerPid(r, "the child runs its target") == 0); // the target never ran
        CHECK(outputOf(r, parent.pid).find("the child exited with 1") != std::string::npos);
    }
}

TEST_CASE("python-start-method-defaults: fork without a choice, get_context vs set_start_method",
          "[python][lessons]") {
    if (pythonMissing()) return;
    const PyVersion v = parsePyVersion(lessonPython()->version);
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("python-start-method-defaults", m);
        INFO(r.story());
        pid_t def = markerPid(r, kDefaultChildStep);
        pid_t ctx = markerPid(r, "the get_context child runs");
        pid_t set = markerPid(r, "the set_start_method child runs");
        REQUIRE(def != 0);
        REQUIRE(ctx != 0);
        REQUIRE(set != 0);
        // The key step asks before the child exists (the tree would show its method).
        CHECK(keyPid(r) == markerPid(r, "no method chosen: the parent starts a child"));
        // How each child was started, from the tree: the default is fork on Linux up to 3.13.
        CHECK(startedBy(*r.trace, def) == (v.atLeast(14) ? "forkserver" : "fork"));
        CHECK(startedBy(*r.trace, ctx) == toString(m));
        CHECK(startedBy(*r.trace, set) == toString(m));
        World w = r.world();
        // The helpers start with the first child of their method, after the default child.
        for (Role role : {Role::Tracker, Role::Forkserver})
            for (auto* h : withRole(w, role)) CHECK(h->born > w.find(def)->died);
        std::string out = outputOf(r, root(w).pid);
        CHECK(out.find("get_start_method(allow_none=True) = None") != std::string::npos);
        CHECK(out.find("RuntimeError: context has already been set") != std::string::npos);
        CHECK(out.find("get_start_method() is still 'fork'") != std::string::npos);
    }
}

TEST_CASE("python-register-at-fork: the hooks hand the fork child an unlocked lock",
          "[python][lessons][deadlock]") {
    if (pythonMissing()) return;
    const std::string before = "before: fork waits to take the lock itself",
                      afterChild = "after_in_child: the child releases its copy";
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("python-register-at-fork", m);
        INFO(r.story());
        CHECK(r.events(EventKind::Deadlock).empty());
        World w = r.world();
        const ProcessView& parent = root(w);
        pid_t child = keyPid(r);
        REQUIRE(child != parent.pid);
        const ProcessView* c = w.find(child);
        REQUIRE(c);
        CHECK(c->status.exitCode() == 0);
        CHECK_FALSE(c->killedBySandbox);
        std::string out = outputOf(r, child);
        CHECK(out.find("lock.locked() = False") != std::string::npos);
        CHECK(out.find("acquired the lock") != std::string::npos);
        if (m == StartMethod::Fork) {
            // before in the parent, then the fork, then after_in_child in the child, then its
            // target: the order the kernel saw.
            const Event* b = markerEvent(r, before);
            const Event* a = markerEvent(r, afterChild);
            const Event* k = markerEvent(r, "the child calls lock.acquire()");
            REQUIRE(b);
            REQUIRE(a);
            REQUIRE(k);
            CHECK(b->pid == parent.pid);
            CHECK(a->pid == child);
            CHECK(c->parent == parent.pid);
            CHECK(b->t < c->born);
            CHECK(c->born < a->t);
            CHECK(a->t < k->t);
        } else {
            // No hook ran anywhere: exec'd interpreters and the server never called them.
            CHECK(markerEvent(r, before) == nullptr);
            CHECK(markerEvent(r, afterChild) == nullptr);
        }
    }
}

TEST_CASE("python-pool: two long-lived workers, their parent per method, the task pipe shared",
          "[python][lessons]") {
    if (pythonMissing()) return;
    const std::string taskPipe = "task pipe (write end: the parent sends tasks)";
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("python-pool", m);
        INFO(r.story());
        // After the six tasks (the key step asks before the pool exists).
        World w = atStep(r, "six tasks done: who ran them?");
        const ProcessView& parent = root(w);
        auto servers = withRole(w, Role::Forkserver);
        const pid_t expectedParent = m == StartMethod::Forkserver
                                         ? (servers.size() == 1 ? servers[0]->pid : -1)
                                         : parent.pid;
        // The workers: the program's processes that are neither the parent nor a helper.
        std::vector<const ProcessView*> workers;
        for (auto& [pid, p] : w.procs)
            if (pid != parent.pid && p.role != Role::Sandbox && p.role != Role::Tracker &&
                p.role != Role::Forkserver)
                workers.push_back(&p);
        REQUIRE(workers.size() == 2);
        uint64_t task = namedFdInode(r, parent.pid, taskPipe);
        REQUIRE(task != 0);
        // The parent holds both ends; its read end is the one each worker keeps (pool.worker
        // closes the write end it received).
        int readFd = -1;
        for (auto& f : snap(r, parent).fds)
            if (f.inode == task && f.access == AccessMode::Read) readFd = f.fd;
        REQUIRE(readFd > 2);
        for (auto* wk : workers) {
            CHECK(wk->alive); // still there after the six tasks: long-lived
            CHECK(wk->parent == expectedParent);
            CHECK(wk->execs == (m == StartMethod::Spawn ? 1 : 0));
            // The task pipe reaches every worker (one still starting up, which never got a
            // task, may not yet have closed the write end it received: not asserted).
            const ProcessSnapshot& ws = snap(r, *wk);
            CHECK(countInode(ws, task) >= 1);
            // Under spawn the pickled pipe end travels by pass_fds: the same fd number.
            if (m == StartMethod::Spawn) {
                const FdEntry* same = ws.findFd(readFd);
                REQUIRE(same);
                CHECK(same->inode == task);
            }
        }
        // Six tasks, each line written by the worker that ran it: at most two writers, so the
        // workers were reused, not started per task.
        std::set<pid_t> ran;
        int tasks = 0;
        for (auto& [pid, p] : w.procs) {
            std::string out = outputOf(r, pid);
            for (auto at = out.find("task "); at != std::string::npos;
                 at = out.find("task ", at + 1)) {
                ++tasks;
                ran.insert(pid);
            }
        }
        CHECK(tasks == 6);
        CHECK(ran.size() <= 2);
        for (pid_t p : ran)
            CHECK(std::any_of(workers.begin(), workers.end(),
                              [&](auto* wk) { return wk->pid == p; }));
        // The parent: its main thread and the pool's worker, task and result handler threads.
        CHECK(parent.threads.size() >= 4);
    }
}

TEST_CASE("python-locks-as-arguments: one semaphore mapped by both, a threading.Lock copied",
          "[python][lessons][shm]") {
    if (pythonMissing()) return;
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("python-locks-as-arguments", m);
        INFO(r.story());
        CHECK(r.events(EventKind::Deadlock).empty());
        World w = atKey(r);
        const ProcessView& parent = root(w);
        pid_t child = keyPid(r);
        REQUIRE(child != parent.pid);
        // The mp.Lock: one sem.mp-* created by the parent; fork's is unlinked at once.
        std::vector<const Event*> creates;
        for (auto* e : r.events(EventKind::ShmCreate))
            if (r.trace->str(e->as<ev::Shm>().name).rfind("sem.mp-", 0) == 0) creates.push_back(e);
        REQUIRE(creates.size() == 1);
        CHECK(creates[0]->pid == parent.pid);
        const uint64_t inode = creates[0]->as<ev::Shm>().inode;
        // At the key step parent and child map that same file: one sem_t, two mappers.
        auto maps = [&](pid_t pid) {
            const ProcessSnapshot& s = snap(r, *w.find(pid));
            return std::any_of(s.shm.begin(), s.shm.end(),
                               [&](auto& sm) { return sm.inode == inode; });
        };
        CHECK(maps(parent.pid));
        CHECK(maps(child));
        bool unlinkedAtOnce = false;
        for (auto* e : r.events(EventKind::ShmUnlink))
            if (e->as<ev::Shm>().inode == inode ||
                r.trace->str(e->as<ev::Shm>().name) == r.trace->str(creates[0]->as<ev::Shm>().name))
                unlinkedAtOnce |= e->t < w.find(child)->born;
        CHECK(unlinkedAtOnce == (m == StartMethod::Fork));
        // The child's own writes: the parent held the mp.Lock, then released it to the child.
        const World end = r.world(); // w is the key step's: the exit is known only at the end
        const ProcessView* c = end.find(child);
        REQUIRE(c);
        CHECK(c->status.exitCode() == 0);
        std::string out = outputOf(r, child);
        CHECK(out.find("mp.Lock acquire(block=False) = False") != std::string::npos);
        CHECK(out.find("got the mp.Lock") != std::string::npos);
        std::string parentOut = outputOf(r, parent.pid);
        if (m == StartMethod::Fork) {
            // The copy stays locked after the parent released its own.
            CHECK(out.find("threading.Lock acquire(timeout=0.2) = False") != std::string::npos);
            CHECK(parentOut.find("TypeError") == std::string::npos);
        } else {
            CHECK(parentOut.find("TypeError: cannot pickle '_thread.lock' object") !=
                  std::string::npos);
            CHECK(out.find("threading.Lock") == std::string::npos);
            // The pickling failed in the parent: after the lock's registration had started the
            // tracker, before the forkserver (started by the second start()) existed.
            int64_t failed = -1;
            for (auto* e : r.events(EventKind::Output))
                if (e->pid == parent.pid && failed < 0 &&
                    r.trace->str(e->as<ev::Output>().text).find("TypeError") != std::string::npos)
                    failed = e->t;
            REQUIRE(failed > 0);
            auto trackers = withRole(w, Role::Tracker);
            REQUIRE(trackers.size() == 1);
            CHECK(trackers[0]->born < failed);
            for (auto* s : withRole(w, Role::Forkserver)) CHECK(s->born > failed);
            CHECK(withRole(w, Role::Forkserver).size() == (m == StartMethod::Forkserver ? 1u : 0u));
        }
    }
}

TEST_CASE("python-stdout-lock-after-fork: the fork child hangs flushing sys.stdout at exit",
          "[python][lessons][deadlock]") {
    if (pythonMissing()) return;
    const std::string heldStep = "a thread is blocked in sys.stdout.write, holding its lock";
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("python-stdout-lock-after-fork", m);
        INFO(r.story());
        const World end = r.world();
        const pid_t parent = root(end).pid;
        const pid_t child = keyPid(r);
        REQUIRE(child != parent);
        const ProcessView* c = end.find(child);
        REQUIRE(c);
        // At the parent's step its writer thread is inside write(2): the kernel's answer.
        size_t held = SIZE_MAX;
        for (size_t i = 0; i < r.trace->size(); ++i)
            if (auto* mk = (*r.trace)[i].get<ev::Marker>();
                mk && r.trace->str(mk->label) == heldStep)
                held = i;
        REQUIRE(held != SIZE_MAX);
        CHECK((*r.trace)[held].pid == parent);
        World atHeld = World::at(*r.trace, settle(*r.trace, held));
        const ProcessSnapshot& ps = snap(r, *atHeld.find(parent));
        CHECK(std::any_of(ps.threads.begin(), ps.threads.end(), [&](auto& t) {
            return t.tid != parent && t.syscall.nr == 1; // SYS_write on x86_64
        }));
        // The child's print() returned (its own write to stderr says so) ...
        CHECK(outputOf(r, child, 2).find("print() returned") != std::string::npos);
        auto verdicts = r.events(EventKind::Deadlock);
        if (m == StartMethod::Fork) {
            // ... it was forked while the writer held the lock, and the wait came at exit.
            CHECK((*r.trace)[held].t < c->born);
            REQUIRE(verdicts.size() == 1);
            CHECK(verdicts[0]->pid == child);
            CHECK(verdicts[0]->as<ev::Deadlock>().rule == uint8_t(DeadlockRule::NobodyToWake));
            CHECK(verdicts[0]->t > markerEvent(r, "the child's target returns: sys.stdout is "
                                                  "flushed at exit")
                                       ->t);
            CHECK(c->killedBySandbox);
            CHECK(outputOf(r, child).empty()); // its line never left its buffer
        } else {
            CHECK(verdicts.empty());
            CHECK(c->status.exitCode() == 0);
            CHECK_FALSE(c->killedBySandbox);
            CHECK(outputOf(r, child).find("a line for sys.stdout") != std::string::npos);
        }
    }
}
