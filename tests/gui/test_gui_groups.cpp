// The layout's groups of identical siblings, from synthetic traces (nothing runs): what is
// grouped, what is not, and what opening a group shows.
#include "app/gui/Model.hpp"
#include "core/trace/WorldCache.hpp"

#include <catch2/catch.hpp>
#include <memory>

using namespace forklab;
using namespace forklab::gui;

namespace {

constexpr pid_t kRoot = 500;

// A root that forks `n` children; child k exits with codes[k % codes.size()]. Children of
// `withChild` get a child of their own.
std::unique_ptr<Trace> siblings(int n, std::vector<int> codes, int withChild = -1) {
    auto t = std::make_unique<Trace>();
    int64_t at = 1000;
    auto add = [&](pid_t pid, EventKind kind, Payload data) {
        t->append(Event{at++, pid, kind, std::move(data)});
    };
    add(0, EventKind::RunStart, ev::RunStart{t->intern("siblings"), 0, n + 10, 0, 1000});
    const StrId name = t->intern("true");
    add(kRoot, EventKind::Proc, ev::Proc{1, 0, Role::Program, ForkKind::Fork, t->intern("sh")});
    for (int k = 0; k < n; ++k) {
        const pid_t c = kRoot + 1 + k;
        add(kRoot, EventKind::Fork, ev::Fork{c, ForkKind::Fork});
        add(c, EventKind::Proc, ev::Proc{c, kRoot, Role::Program, ForkKind::Fork, name});
        if (k == withChild) {
            add(c, EventKind::Fork, ev::Fork{c + 100000, ForkKind::Fork});
            add(c + 100000, EventKind::Proc,
                ev::Proc{c + 100000, c, Role::Program, ForkKind::Fork, name});
            add(c + 100000, EventKind::Exit, ev::Exit{WaitStatus::forExit(0)});
        }
        add(c, EventKind::Exit, ev::Exit{WaitStatus::forExit(codes[size_t(k) % codes.size()])});
    }
    add(kRoot, EventKind::Exit, ev::Exit{WaitStatus::forExit(0)});
    add(0, EventKind::RunEnd, ev::RunEnd{EndReason::AllExited, WaitStatus::forExit(0), 0});
    return t;
}

} // namespace

TEST_CASE("2,000 identical siblings are one row; opened, each has its own", "[gui][tree]") {
    auto trace = siblings(2000, {0});
    WorldCache cache;
    cache.extend(*trace, trace->size());
    const CursorWorld& w = cache.at(*trace, trace->size());
    const TreeLayout tree = layoutTree(*trace, w, {}, false);
    REQUIRE(tree.nodes.size() == 2);
    const TreeNode& g = tree.nodes[1];
    CHECK(g.groupSize == 2000);
    CHECK(g.members.size() == 2000);
    CHECK(g.members.front() == kRoot + 1);
    CHECK(g.proc->pid == kRoot + 1);
    CHECK(groupTitle(g) == "2,000 \u00d7 true, exit 0");
    CHECK(tree.indexOf(kRoot + 1500) == 1); // a member's pid leads to its group's row
    CHECK(tree.rows == 1);

    const TreeLayout open = layoutTree(*trace, w, {}, false, false, {kRoot + 1});
    REQUIRE(open.nodes.size() == 2001);
    CHECK(open.nodes[1].openGroupSize == 2000);
    CHECK(open.nodes[1].groupSize == 0);
    CHECK(open.nodes[1500].proc->pid == kRoot + 1500);
    CHECK(open.indexOf(kRoot + 1500) == 1500);
    CHECK(open.rows == 2000);
}

TEST_CASE("siblings group only when alike and childless, and from kMinGroup on", "[gui][tree]") {
    {
        auto trace = siblings(kMinGroup - 1, {0}); // too few to bother
        WorldCache cache;
        cache.extend(*trace, trace->size());
        const TreeLayout t = layoutTree(*trace, cache.at(*trace, trace->size()), {}, false);
        CHECK(t.nodes.size() == size_t(kMinGroup));
        for (auto& n : t.nodes) CHECK(n.groupSize == 0);
    }
    {
        // Two exit codes: two groups; the one with a child of its own stays a process.
        auto trace = siblings(40, {0, 1}, 7);
        WorldCache cache;
        cache.extend(*trace, trace->size());
        const TreeLayout t = layoutTree(*trace, cache.at(*trace, trace->size()), {}, false);
        int groups = 0, grouped = 0;
        for (auto& n : t.nodes)
            if (n.groupSize > 0) {
                ++groups;
                grouped += n.groupSize;
                CHECK((groupTitle(n) == "20 \u00d7 true, exit 0" ||
                       groupTitle(n) == "19 \u00d7 true, exit 1"));
            }
        CHECK(groups == 2);
        CHECK(grouped == 39);
        const int parentOfOne = t.indexOf(kRoot + 8);
        REQUIRE(parentOfOne >= 0);
        CHECK(t.nodes[size_t(parentOfOne)].groupSize == 0);
        CHECK(t.indexOf(kRoot + 8 + 100000) == parentOfOne + 1);
        CHECK(t.nodes.size() == 1 + 2 + 1 + 1); // root, two groups, the parent and its child
    }
}
