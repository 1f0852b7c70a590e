// What the GUI's views show, checked without a display: the cursor's world (WorldCache) agrees
// with World::at, the incremental index with StepIndex, and the rows of the tree, fd, sync views
// say what the kernel showed on real runs of the fixtures. (The file actions: test_gui_files.)
#include "Recorded.hpp"
#include "app/gui/Model.hpp"
#include "app/gui/Session.hpp"
#include "app/gui/Settings.hpp"
#include "core/sandbox/Sandbox.hpp"
#include "core/trace/Steps.hpp"
#include "core/trace/SyntheticTrace.hpp"
#include "core/trace/TraceIndex.hpp"
#include "core/trace/WorldCache.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <thread>
#include <unistd.h>

using namespace forklab;
using namespace forklab::gui;
using namespace forklab::test;

namespace {

// The parts of a World the views read.
void requireSame(const World& a, const World& b) {
    REQUIRE(a.upto == b.upto);
    REQUIRE(a.roots == b.roots);
    REQUIRE(a.procs.size() == b.procs.size());
    for (auto& [pid, p] : a.procs) {
        const ProcessView* q = b.find(pid);
        REQUIRE(q);
        CHECK(p.parent == q->parent);
        CHECK(p.name == q->name);
        CHECK(p.role == q->role);
        CHECK(p.alive == q->alive);
        CHECK(p.status == q->status);
        CHECK(p.killedBySandbox == q->killedBySandbox);
        CHECK(p.snap == q->snap);
        CHECK(p.threads == q->threads);
        CHECK(p.deadlocks == q->deadlocks);
        CHECK(p.children == q->children);
        CHECK(p.execs == q->execs);
    }
    REQUIRE(a.shm.size() == b.shm.size());
    for (size_t i = 0; i < a.shm.size(); ++i) {
        CHECK(a.shm[i].name == b.shm[i].name);
        CHECK(a.shm[i].unlinkedBy == b.shm[i].unlinkedBy);
        CHECK(a.shm[i].leaked == b.shm[i].leaked);
    }
}

const FdRow* row(const FdTable& t, int fd, FdRow::Status status = FdRow::Status::Open) {
    for (auto& r : t.rows)
        if (r.entry.fd == fd && r.status == status) return &r;
    return nullptr;
}

} // namespace

TEST_CASE("WorldCache answers every cursor like World::at, forwards and backwards",
          "[gui][world]") {
    auto trace = record({fixture("mutex_fork")});
    WorldCache cache(4); // tiny checkpoints: every jump goes through one
    cache.extend(*trace, trace->size());
    REQUIRE(cache.checkpoints() > 2);
    for (size_t n = 0; n <= trace->size(); ++n)
        requireSame(cache.at(*trace, n).world, World::at(*trace, n));
    for (size_t n = trace->size() + 1; n-- > 0;)
        requireSame(cache.at(*trace, n).world, World::at(*trace, n));
    std::mt19937 rng(3);
    for (int i = 0; i < 50; ++i) {
        size_t n = rng() % (trace->size() + 1);
        requireSame(cache.at(*trace, n).world, World::at(*trace, n));
    }
}

TEST_CASE("WorldCache agrees with World::at on a trace with every kind of event", "[gui][world]") {
    Trace trace; // deadlock, shm create, leak, kills, threads, execs, markers
    makeSyntheticTrace(trace, SyntheticTraceSpec{30, 3000, 5});
    WorldCache cache(64);
    cache.extend(trace, trace.size());
    std::mt19937 rng(11);
    for (int i = 0; i < 60; ++i) {
        size_t n = rng() % (trace.size() + 1);
        requireSame(cache.at(trace, n).world, World::at(trace, n));
    }
    requireSame(cache.at(trace, trace.size()).world, World::at(trace, trace.size()));
}

TEST_CASE("WorldCache follows a trace that grows while it is read", "[gui][world]") {
    Trace trace;
    makeSyntheticTrace(trace, SyntheticTraceSpec{40, 5000, 9});
    // A second trace fed in slices stands for the recorder appending between frames.
    WorldCache cache(256);
    TraceIndex index;
    for (size_t upto = 0; upto < trace.size(); upto += 777) {
        index.update(trace, 777);
        cache.extend(trace, index.indexed());
        requireSame(cache.at(trace, index.indexed()).world, World::at(trace, index.indexed()));
        requireSame(cache.at(trace, upto / 2).world, World::at(trace, upto / 2));
    }
}

TEST_CASE("a frame's tree layout is made again exactly when the world under it changes",
          "[gui][world]") {
    Trace trace;
    makeSyntheticTrace(trace, SyntheticTraceSpec{40, 5000, 9});
    WorldCache cache(256);
    cache.extend(trace, trace.size());
    TreeLayout tree;
    TreeLayoutInputs made;
    auto relayout = [&](const CursorWorld& w, const std::set<pid_t>& collapsed = {}) {
        return relayoutTree(tree, made, trace, w, collapsed, false, false, {});
    };
    // Every node points into the world it was made from.
    auto pointsInto = [&](const CursorWorld& w) {
        for (const TreeNode& n : tree.nodes)
            if (w.world.find(n.proc->pid) != n.proc) return false;
        return !tree.nodes.empty();
    };
    const size_t a = 12 * 256, b = a + 100; // a is a checkpoint: at(a) is a copy of it
    CHECK(relayout(cache.at(trace, a)));
    CHECK(pointsInto(cache.at(trace, a)));
    CHECK_FALSE(relayout(cache.at(trace, a))); // the same frame asking again
    CHECK(relayout(cache.at(trace, b)));
    CHECK_FALSE(relayout(cache.at(trace, b)));
    CHECK(relayout(cache.at(trace, a)));
    // To b and back to a with no layout between (another view moved the cursor): the world is
    // the checkpoint copied again, at the same address and `upto` as the layout was made from,
    // but a new copy: the old layout's pointers would dangle.
    cache.at(trace, b);
    const CursorWorld& back = cache.at(trace, a);
    CHECK(relayout(back));
    CHECK(pointsInto(back));
    CHECK(relayout(back, {tree.nodes.front().proc->pid})); // folding a subtree
    CHECK_FALSE(relayout(back, {tree.nodes.front().proc->pid}));
    CHECK(relayout(cache.at(trace, trace.size()))); // the head
    CHECK(pointsInto(cache.at(trace, trace.size())));
}

TEST_CASE("TraceIndex, fed in slices, lists the steps StepIndex::build finds", "[gui][index]") {
    Trace trace;
    makeSyntheticTrace(trace, SyntheticTraceSpec{100, 20000, 4});
    TraceIndex index;
    while (index.update(trace, 1234)) {
    }
    const StepIndex built = StepIndex::build(trace);
    CHECK(index.steps() == built.steps);
    CHECK(index.markers() == built.markers);
    CHECK(index.key() == built.key);
    CHECK(index.gotoSteps() == built.gotoSteps());
    // Every event on a track names the process (or is the fork that made it).
    for (size_t i : index.track(10005)) {
        const Event& e = trace[i];
        const auto* f = e.get<ev::Fork>();
        CHECK((e.pid == 10005 || (f && f->child == 10005) ||
               (e.get<ev::Kill>() && e.get<ev::Kill>()->target == 10005)));
    }
    CHECK(index.firstAtOrAfter(trace, 0) == 0);
    CHECK(index.firstAtOrAfter(trace, INT64_MAX) == trace.size());
}

TEST_CASE("hiding exited processes leaves out finished subtrees, never the living or the root",
          "[gui][tree]") {
    auto trace = record({"/bin/sh", "-c", "/bin/true; /bin/sleep 0.2; /bin/true"});
    WorldCache cache;
    cache.extend(*trace, trace->size());
    // The moment sleep is running: true has exited before it.
    size_t sleeping = 0;
    for (size_t i = 0; i < trace->size() && !sleeping; ++i)
        if (auto* x = (*trace)[i].get<ev::Exec>();
            x && trace->str(x->path).find("sleep") != std::string_view::npos)
            sleeping = i + 1;
    REQUIRE(sleeping);
    const CursorWorld& mid = cache.at(*trace, sleeping);
    const TreeLayout all = layoutTree(*trace, mid, {}, false);
    const TreeLayout live = layoutTree(*trace, mid, {}, false, true);
    REQUIRE(all.nodes.size() == 3); // sh, true (exited), sleep
    REQUIRE(live.nodes.size() == 2);
    CHECK(live.exitedHidden == 1);
    CHECK(live.nodes[1].proc->alive);
    // At the end everything has exited: the root stays, the rest is counted.
    const CursorWorld& end = cache.at(*trace, trace->size());
    const TreeLayout last = layoutTree(*trace, end, {}, false, true);
    REQUIRE(last.nodes.size() == 1);
    CHECK(last.exitedHidden == 3);
    CHECK(layoutTree(*trace, end, {}, false).exitedHidden == 0);
}

TEST_CASE("the tree of a fork deadlock: the child is deadlocked, then killed at teardown",
          "[gui][tree]") {
    auto trace = record({fixture("mutex_fork")});
    WorldCache cache;
    cache.extend(*trace, trace->size());
    const CursorWorld& w = cache.at(*trace, trace->size());
    const TreeLayout tree = layoutTree(*trace, w, {}, false);
    REQUIRE(tree.nodes.size() == 2); // the sandbox's launcher is hidden
    const TreeNode& parent = tree.nodes[0];
    const TreeNode& child = tree.nodes[1];
    CHECK(parent.start == StartKind::Root);
    CHECK(parent.state == ProcState::Exited);
    CHECK(child.start == StartKind::Fork);
    CHECK(child.state == ProcState::Killed);
    CHECK(child.proc->killedBySandbox);
    CHECK(!child.proc->deadlocks.empty());
    CHECK(child.parentIndex == 0);
    CHECK(child.row == parent.row); // a first child shares its parent's row

    // With the sandbox shown it is the root; folding it hides the rest.
    const pid_t sandbox = w.world.roots.front();
    const TreeLayout all = layoutTree(*trace, w, {}, true);
    REQUIRE(all.nodes.size() == 3);
    CHECK(all.nodes[0].start == StartKind::Sandbox);
    const TreeLayout folded = layoutTree(*trace, w, {sandbox}, true);
    REQUIRE(folded.nodes.size() == 1);
    CHECK(folded.nodes[0].collapsed);
    CHECK(folded.nodes[0].hidden == 2);

    // The verdict, told as a class would read it.
    const SyncModel sync = syncModel(*trace, w);
    REQUIRE(sync.deadlocks.size() == 1);
    const DeadlockRow& d = sync.deadlocks.front();
    CHECK(d.rule == 'a');
    CHECK(d.pid == child.proc->pid);
    CHECK(d.ownerNsTid != 0);
    CHECK_THAT(d.headline, Catch::Contains("is not a thread of this process"));
    CHECK_THAT(d.explanation, Catch::Contains("fork()"));
    CHECK(!d.evidence.empty());
}

TEST_CASE("while the child waits, the sync view lists its futex wait", "[gui][sync]") {
    auto trace = record({fixture("futex_forever")});
    TraceIndex index;
    index.update(*trace);
    WorldCache cache;
    cache.extend(*trace, trace->size());
    // Just after the verdict (b): the process is alive, blocked, and deadlocked.
    size_t verdict = 0;
    for (size_t i : index.steps())
        if ((*trace)[i].kind == EventKind::Deadlock) verdict = i;
    REQUIRE(verdict);
    const CursorWorld& w = cache.at(*trace, verdict + 1);
    const SyncModel sync = syncModel(*trace, w);
    REQUIRE(sync.deadlocks.size() == 1);
    CHECK(sync.deadlocks[0].rule == 'b');
    REQUIRE(sync.waits.size() == 1);
    CHECK(sync.waits[0].privateFutex);
    CHECK_FALSE(sync.waits[0].timeout);
    const TreeLayout tree = layoutTree(*trace, w, {}, false);
    CHECK(tree.nodes.back().state == ProcState::Deadlocked);
}

TEST_CASE("the fd view shows what exec closed and what survived it", "[gui][fd]") {
    auto trace = record({fixture("cloexec_exec")});
    TraceIndex index;
    index.update(*trace);
    WorldCache cache;
    cache.extend(*trace, trace->size());
    // After the second exec (to /bin/true): fd 3 was CLOEXEC, fd 4 was not.
    size_t exec = 0;
    for (size_t i : index.steps())
        if ((*trace)[i].kind == EventKind::Exec) exec = i;
    const CursorWorld& w = cache.at(*trace, exec + 1);
    const pid_t pid = (*trace)[exec].pid;
    const FdTable t = fdTable(*trace, w, pid);
    REQUIRE(t.known);
    CHECK(t.execed);
    const FdRow* closed = row(t, 3, FdRow::Status::ClosedByExec);
    REQUIRE(closed);
    CHECK(closed->entry.cloexec);
    CHECK(closed->entry.target == "/etc/hostname");
    const FdRow* kept = row(t, 4);
    REQUIRE(kept);
    CHECK_FALSE(kept->entry.cloexec);
    CHECK_FALSE(kept->inherited); // the program opened it itself, after it was started
    CHECK(row(t, 0));
    CHECK(t.closedByExec >= 1);
    CHECK(t.stopSnapshots);
    // Recorded with --no-stop-snapshots: no table at that exec, and the view can say why.
    auto bare = record({fixture("cloexec_exec")}, false);
    WorldCache bareCache;
    bareCache.extend(*bare, bare->size());
    const CursorWorld& end = bareCache.at(*bare, bare->size());
    REQUIRE(end.world.procs.size() >= 2);
    // Only the idle probe could have read one (a machine slow enough to leave it 100 ms idle).
    const bool probed = bare->snapshotCount() > 0;
    for (const auto& [pid, p] : end.world.procs) {
        const FdTable none = fdTable(*bare, end, pid);
        CHECK_FALSE(none.stopSnapshots);
        if (!probed) CHECK_FALSE(none.known);
    }
}

TEST_CASE("the semaphore ledger names a leaked semaphore and its creator", "[gui][sync]") {
    auto trace = record({fixture("sem_kill"), "/gui_ledger"});
    WorldCache cache;
    cache.extend(*trace, trace->size());
    const CursorWorld& w = cache.at(*trace, trace->size());
    const SyncModel sync = syncModel(*trace, w);
    REQUIRE(sync.semaphores.size() == 1);
    const SemRow& s = sync.semaphores[0];
    CHECK(s.name == "/gui_ledger");
    CHECK(s.file == "sem.gui_ledger");
    CHECK(s.leaked);
    CHECK(s.creator != 0);
    CHECK_THAT(s.status, Catch::Contains("LEAKED"));
}

TEST_CASE("a session steps, goes back and shows a step's attached snapshots", "[gui][session]") {
    SandboxOptions o;
    o.argv = {"sh", "-c", "sleep 0.05 | cat; true"};
    auto s = Session::launch(o, "pipeline");
    REQUIRE(s->error().empty());
    REQUIRE(s->wait() == 0);
    s->update(SIZE_MAX);
    CHECK(s->following());
    const auto& steps = s->index().steps();
    REQUIRE(steps.size() >= 4);
    CHECK(s->currentStep() == steps.size());

    s->gotoStep(1);
    CHECK_FALSE(s->following());
    CHECK(s->currentStep() == 1);
    CHECK(*s->currentEvent() == steps[0]);
    // The first step is a fork: its world already holds the child and its inherited table.
    const Event& fork = s->trace()[steps[0]];
    REQUIRE(fork.kind == EventKind::Fork);
    const pid_t child = fork.as<ev::Fork>().child;
    CHECK(s->world().world.find(child));

    s->stepForward();
    CHECK(s->currentStep() == 2);
    s->stepForward();
    CHECK(s->currentStep() == 3);
    s->stepBack();
    CHECK(s->currentStep() == 2);
    s->stepBack();
    s->stepBack(); // before the first step: the world just before it
    CHECK(s->currentStep() == 0);
    s->stepBack();
    CHECK(s->currentStep() == 0);
    s->follow();
    CHECK(s->cursor() == s->index().indexed());
}

TEST_CASE("a live session stops cleanly when it is destroyed mid-run", "[gui][session]") {
    SandboxOptions o;
    o.argv = {"sh", "-c", "sleep 30 & sleep 30"};
    auto s = Session::launch(o, "sleepers");
    REQUIRE(s->error().empty());
    for (int i = 0; i < 200 && s->index().steps().size() < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        s->update();
    }
    CHECK(s->live());
    s.reset(); // the window closing: teardown and join, nothing survives (checked by the sandbox
               // tests)
    SUCCEED();
}

TEST_CASE("a missing program is reported, not thrown", "[gui][session]") {
    SandboxOptions o;
    o.argv = {"/nonexistent/forklab-no-such-program"};
    auto s = Session::launch(o, "missing");
    CHECK_THAT(s->error(), Catch::Contains("forklab-no-such-program"));
    CHECK_FALSE(s->live());
    s->update();
    CHECK(s->index().steps().empty());
}

TEST_CASE("settings survive a round trip and a damaged file", "[gui][settings]") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("forklab-gui-test-" + std::to_string(getpid()));
    const std::string path = (dir / "forklab" / "gui.conf").string();
    Settings s;
    s.scale = 2.5f;
    s.theme = Theme::HighContrast;
    s.colourBlindSafe = false;
    s.lesson = "fd-inheritance";
    s.method = "spawn";
    s.command = "python3 -c 'print(1)'";
    REQUIRE(saveSettings(s, path));
    const Settings r = loadSettings(path);
    CHECK(r.scale == 2.5f);
    CHECK(r.theme == Theme::HighContrast);
    CHECK_FALSE(r.colourBlindSafe);
    CHECK(r.lesson == "fd-inheritance");
    CHECK(r.method == "spawn");
    CHECK(r.command == s.command);
    { std::ofstream(path) << "scale=banana\ntheme=\x01\nnonsense\n=\n"; }
    const Settings d = loadSettings(path);
    CHECK(d.scale == 1.0f);
    CHECK(d.theme == Theme::Dark);
    std::filesystem::remove_all(dir);
}

TEST_CASE("a typed command line is split like a shell would", "[gui][settings]") {
    using V = std::vector<std::string>;
    CHECK(splitCommand("python3 my.py") == V{"python3", "my.py"});
    CHECK(splitCommand("  sh -c 'sleep 1 | cat'  ") == V{"sh", "-c", "sleep 1 | cat"});
    CHECK(splitCommand(R"(echo "a \"b\"" c\ d '')") == V{"echo", "a \"b\"", "c d", ""});
    CHECK(splitCommand("").empty());
}

TEST_CASE("a shell's fork and exec is called fork + exec: spawn is a start method's word",
          "[gui][tree]") {
    // bash forks (dash would vfork); the child execs /bin/true, then bash runs its builtin.
    auto trace = record({"bash", "-c", "/bin/true; true"});
    WorldCache cache;
    cache.extend(*trace, trace->size());
    const CursorWorld& w = cache.at(*trace, trace->size());
    const TreeLayout tree = layoutTree(*trace, w, {}, false);
    REQUIRE(tree.nodes.size() >= 2);
    bool forkExec = false;
    for (auto& n : tree.nodes) {
        CHECK(n.start != StartKind::Spawn);
        forkExec |= n.start == StartKind::ForkExec;
    }
    CHECK(forkExec);
    CHECK(std::string(label(StartKind::ForkExec)) == "fork + exec");
}
