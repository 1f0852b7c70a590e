// Pids wrap at pid_max (32,768 by default): a long run — a build, a fork chain — gives an old pid
// to a new process. The new process is a new life: never the old one's exit status, argv or
// children, and the old life keeps its place in the tree.
#include "core/trace/DotExport.hpp"
#include "core/trace/Story.hpp"
#include "core/trace/World.hpp"
#include "core/trace/WorldCache.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

using namespace forklab;

namespace {

struct Reuse {
    Trace t;
    size_t firstFork = 0, secondFork = 0, beforeReuse = 0;
};

// Sandbox 10 forks 11 ("first": execs, forks 12, exits 3); 12 exits; 10 forks a new 11
// ("second", alive), which forks a new 12.
void makeReuse(Reuse& r) {
    Trace& t = r.t;
    int64_t at = 1000;
    auto add = [&](pid_t pid, EventKind kind, Payload data) {
        t.append(Event{at++, pid, kind, std::move(data)});
        return t.size() - 1;
    };
    add(0, EventKind::RunStart, ev::RunStart{t.intern("reuse"), 0, 100, 0, 1000});
    add(10, EventKind::Proc, ev::Proc{1, 0, Role::Sandbox, ForkKind::Fork, t.intern("sandbox")});
    r.firstFork = add(10, EventKind::Fork, ev::Fork{11, ForkKind::Fork});
    add(11, EventKind::Proc, ev::Proc{2, 10, Role::Program, ForkKind::Fork, t.intern("sh")});
    add(11, EventKind::Exec,
        ev::Exec{t.intern("/bin/first"), t.intern("/bin/first"),
                 t.intern(std::string_view("first\0life", 10)), kNoSnap, kNoSnap, Role::Program});
    add(11, EventKind::Fork, ev::Fork{12, ForkKind::Fork});
    add(12, EventKind::Proc, ev::Proc{3, 11, Role::Program, ForkKind::Fork, t.intern("first")});
    add(12, EventKind::Exit, ev::Exit{WaitStatus::forExit(0)});
    add(11, EventKind::Exit, ev::Exit{WaitStatus::forExit(3)});
    r.beforeReuse = t.size();
    r.secondFork = add(10, EventKind::Fork, ev::Fork{11, ForkKind::Fork});
    add(11, EventKind::Proc, ev::Proc{2, 10, Role::Program, ForkKind::Fork, t.intern("second")});
    add(11, EventKind::Fork, ev::Fork{12, ForkKind::Fork});
    add(12, EventKind::Proc, ev::Proc{3, 11, Role::Program, ForkKind::Fork, t.intern("second")});
}

} // namespace

TEST_CASE("a reused pid is a new life; the old one keeps its place, status and children") {
    Reuse r;
    makeReuse(r);
    const World before = World::at(r.t, r.beforeReuse);
    REQUIRE(before.find(11));
    CHECK(before.find(11)->key == 11);
    CHECK_FALSE(before.find(11)->alive);

    const World w = World::at(r.t, r.t.size());
    const ProcessView* root = w.find(10);
    REQUIRE(root);
    REQUIRE(root->children.size() == 2);
    const ProcessView* old = w.find(root->children[0]);
    const ProcessView* now = w.find(root->children[1]);
    REQUIRE(old);
    REQUIRE(now);
    // The old life: its pid, its argv, its exit status, its own child.
    CHECK(old->pid == 11);
    CHECK(old->key < 0);
    CHECK_FALSE(old->alive);
    CHECK(old->status.describe() == WaitStatus::forExit(3).describe());
    CHECK(old->argv == std::vector<std::string>{"first", "life"});
    REQUIRE(old->children.size() == 1);
    const ProcessView* oldChild = w.find(old->children[0]);
    REQUIRE(oldChild);
    CHECK(oldChild->pid == 12);
    CHECK(oldChild->parent == old->key);
    CHECK_FALSE(oldChild->alive);
    // The new life owns none of that.
    CHECK(now == w.find(11));
    CHECK(now->key == 11);
    CHECK(now->alive);
    CHECK(now->argv.empty());
    CHECK(now->execs == 0);
    CHECK(now->name == "second");
    CHECK(now->children == std::vector<pid_t>{12});
    REQUIRE(w.find(12));
    CHECK(w.find(12)->parent == 11);
    CHECK(w.find(12)->alive);
    CHECK(w.procs.size() == 5); // 10, two lives of 11, two of 12
}

TEST_CASE("the cursor's world keeps each life's history apart") {
    Reuse r;
    makeReuse(r);
    WorldCache cache;
    cache.extend(r.t, r.t.size());
    const CursorWorld& cw = cache.at(r.t, r.t.size());
    const ProcessView* root = cw.world.find(10);
    REQUIRE(root);
    REQUIRE(root->children.size() == 2);
    CHECK(cw.of(root->children[0]).forkEvent == r.firstFork);
    CHECK(cw.of(11).forkEvent == r.secondFork);
    // The same world as World::at, life for life.
    const World w = World::at(r.t, r.t.size());
    REQUIRE(cw.world.procs.size() == w.procs.size());
    for (auto& [key, p] : w.procs) {
        const ProcessView* q = cw.world.find(key);
        REQUIRE(q);
        CHECK(q->pid == p.pid);
        CHECK(q->alive == p.alive);
        CHECK(q->children == p.children);
        CHECK(q->parent == p.parent);
    }
}

TEST_CASE("the summary and the DOT graph show both lives once, each under its own parent") {
    Reuse r;
    makeReuse(r);
    std::ostringstream story;
    Story(r.t).summary(story);
    const std::string s = story.str();
    INFO(s);
    CHECK(s.find("first life  — exited with code 3") != std::string::npos);
    // The grandchild of the first life sits under it, the new 12 under the new 11.
    const size_t oldLine = s.find("first life");
    const size_t newLine = s.find("11 (2 inside) second");
    REQUIRE(oldLine != std::string::npos);
    REQUIRE(newLine != std::string::npos);
    CHECK(oldLine < newLine);
    CHECK(s.find("12 (3 inside) first", oldLine) < newLine);
    CHECK(s.find("12 (3 inside) second", newLine) != std::string::npos);
    CHECK(s.find("second  — exited") == std::string::npos);

    const World w = World::at(r.t, r.t.size());
    std::ostringstream dot;
    writeDot(r.t, w, "reuse", dot);
    const std::string d = dot.str();
    INFO(d);
    size_t nodes = 0, edges = 0;
    std::istringstream lines(d);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("[label=") != std::string::npos && line.find(" -> ") == std::string::npos &&
            (line.rfind("  p", 0) == 0 || line.rfind("  r", 0) == 0))
            ++nodes;
        edges += line.find(" -> ") != std::string::npos;
    }
    CHECK(nodes == 5);
    CHECK(edges == 4);
}
