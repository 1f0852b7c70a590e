// What the timeline decides without drawing: which step flags keep their label, the lanes of a
// process's threads, and the thread lifetimes they come from.
#include "app/gui/TimelineModel.hpp"

#include <catch2/catch.hpp>

using namespace forklab;
using namespace forklab::gui;

TEST_CASE("step flags: the current one always labelled, no label over another", "[gui][timeline]") {
    // Four flags 10 px wide on one spot and one further right; the cursor on the third.
    const std::vector<FlagSpot> spots = {{100, 10}, {104, 10}, {108, 10}, {112, 10}, {200, 10}};
    const std::vector<bool> l = labelFlags(spots, 2, 2);
    CHECK(l[2]);       // the step the cursor is on
    CHECK_FALSE(l[0]); // 100..112 would cover 108
    CHECK_FALSE(l[1]);
    CHECK_FALSE(l[3]);
    CHECK(l[4]);
    // Nothing labelled overlaps anything else labelled.
    for (size_t a = 0; a < spots.size(); ++a)
        for (size_t b = a + 1; b < spots.size(); ++b)
            if (l[a] && l[b])
                CHECK((spots[a].x + spots[a].w <= spots[b].x ||
                       spots[b].x + spots[b].w <= spots[a].x));
    // Without a current flag on screen: left to right, each where it fits.
    const std::vector<bool> none = labelFlags(spots, -1, 2);
    CHECK(none == std::vector<bool>{true, false, false, true, true});
    CHECK(labelFlags({}, -1, 2).empty());
}

TEST_CASE("thread lanes: reused once a thread has exited, at most kThreadLanes",
          "[gui][timeline]") {
    std::vector<int> lane;
    // Two at once, then a third after the first ended: two lanes.
    CHECK(threadLanes({{8, 10, 20}, {9, 12, 30}, {10, 25, -1}}, 1e300, 100, &lane) == 2);
    CHECK(lane == std::vector<int>{0, 1, 0});
    // Six at once share the last of kThreadLanes lanes.
    std::vector<ThreadLife> six;
    for (int i = 0; i < 6; ++i) six.push_back({pid_t(20 + i), 10, 50});
    CHECK(threadLanes(six, 1e300, 100, &lane) == kThreadLanes);
    CHECK(lane.back() == kThreadLanes - 1);
    // Born after the cursor while a question is pending: not drawn, no lane.
    CHECK(threadLanes({{8, 10, 20}, {9, 40, -1}}, 30, 100, &lane) == 1);
    CHECK(lane == std::vector<int>{0, -1});
}

TEST_CASE("thread lifetimes: from clone to its exit, or to its process's exit", "[gui][timeline]") {
    Trace t;
    t.append(Event{0, 0, EventKind::RunStart, ev::RunStart{t.intern("threads"), 0, 10, 0, 1000}});
    t.append(Event{10, 7, EventKind::Proc,
                   ev::Proc{1, 0, Role::Program, ForkKind::Fork, t.intern("py")}});
    t.append(Event{20, 7, EventKind::Fork, ev::Fork{8, ForkKind::Thread}});
    t.append(Event{30, 7, EventKind::Fork, ev::Fork{9, ForkKind::Thread}});
    t.append(Event{40, 7, EventKind::ThreadExit, ev::ThreadExit{8}});
    ThreadLives lives;
    lives.update(t, t.size());
    REQUIRE(lives.byPid[7].size() == 2);
    CHECK(lives.byPid[7][0].tid == 8);
    CHECK(lives.byPid[7][0].born == 20);
    CHECK(lives.byPid[7][0].died == 40);
    CHECK(lives.byPid[7][1].died == -1); // still running
    t.append(Event{50, 7, EventKind::Exit, ev::Exit{WaitStatus::forExit(0)}});
    lives.update(t, t.size()); // only the new event is read
    CHECK(lives.scanned == t.size());
    CHECK(lives.byPid[7][1].died == 50);
}
