// Trees of any size in the real window (xvfb): 2,000 identical children of a shell shown as one
// group row in the box view and in the compact view, a pid inside the group found by the search
// (the group opens, the row is scrolled into view), and no wall of fork arrows on the timeline.
#include "XvfbRunner.hpp"

#include <sys/wait.h>
#include <unistd.h>

using namespace forklab::guitest;

namespace {

// A word in the recorded shell's command line that names the processes this test started.
std::string tag() {
    return "forklab-tree-test-" + std::to_string(getpid());
}

// Records `sh -c 'for i in $(seq 2000); do /bin/true; done'` as the CLI does, once per test.
std::string record2000() {
    std::filesystem::create_directories(kOut);
    const std::string file = kOut + "/tree2000.forklab.jsonl";
    const std::string cmd = quote(FORKLAB_BINARY) + " trace -q --export " + quote(file) +
                            " -- sh -c 'for i in $(seq 2000); do /bin/true; done; : " + tag() +
                            "' >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return file;
}

const json* groupRow(const json& pane) {
    for (auto& n : pane["tree"])
        if (n.contains("group_size")) return &n;
    return nullptr;
}

const json* card(const json& pane, long pid) {
    for (auto& c : pane["tree_panel"]["cards"])
        if (c["pid"] == pid) return &c;
    return nullptr;
}

// Every process of the recording ended inside it (the sandbox reaped them all) and none with
// this test's tag is left on the host. (Pids are not checked one by one: with pid_max at 32768
// a busy machine may have reused one by then.)
void requireAllGone(const json& pane) {
    CHECK(pane["finished"] == true);
    if (pane["cursor"]["step"] == pane["cursor"]["steps"]) // shown at the end of the run
        for (auto& n : pane["tree"]) CHECK(n["state"] == "exited");
    const int left = std::system(
        ("pgrep -f '[f]orklab-tree-test-" + std::to_string(getpid()) + "' >/dev/null").c_str());
    CHECK(WEXITSTATUS(left) == 1); // pgrep: no process matched
}

} // namespace

TEST_CASE("2,000 identical children are one group row; the search opens it at a pid",
          "[gui][xvfb][tree]") {
    const std::string file = record2000();
    for (const bool compact : {false, true}) {
        INFO((compact ? "compact view" : "box view"));
        const std::string view = compact ? "compact" : "boxes";
        const std::string keys = compact ? "1:key=C" : "";
        auto args = [&](const std::string& more) {
            std::vector<std::string> a = {"--trace", file};
            std::string actions = keys;
            if (!more.empty()) actions += (actions.empty() ? "" : ",") + more;
            if (!actions.empty()) a.insert(a.end(), {"--actions", actions});
            return a;
        };
        const Shown whole = show("tree2000_" + view, args(""), "", 4);
        REQUIRE(whole.exitCode == 0);
        const json& p = whole.state["panes"][0];
        CHECK(p["tree_view"] == view);
        REQUIRE(p["tree"].size() == 3); // sh, seq, and one row for the 2,000
        const json* g = groupRow(p);
        REQUIRE(g);
        CHECK((*g)["group_size"] == 2000);
        CHECK((*g)["group_members"].size() == 2000);
        CHECK((*g)["group_title"] == "2,000 \u00d7 /bin/true, exit 0");
        const json* c = card(p, (*g)["pid"]);
        REQUIRE(c);
        CHECK((*c)["visible"] == true);
        // The timeline: one track for the group, no arrow into it per child.
        CHECK(p["timeline"]["fork_arrows"] <= 3);
        requireAllGone(p);

        // A pid from the middle of the group: found, its group opened, its row on screen.
        const long pid = (*g)["group_members"][1500];
        const Shown found =
            show("tree2000_search_" + view, args("1:search=" + std::to_string(pid)), "", 5);
        REQUIRE(found.exitCode == 0);
        const json& q = found.state["panes"][0];
        CHECK(q["selected"] == pid);
        CHECK(q["search"] == std::to_string(pid));
        CHECK(!groupRow(q));
        CHECK(q["tree"].size() == 2002);
        bool own = false;
        for (auto& n : q["tree"]) own = own || n["pid"] == pid;
        CHECK(own);
        const json* fc = card(q, pid);
        REQUIRE(fc);
        CHECK((*fc)["visible"] == true);
    }
}

TEST_CASE("on a projector the compact view, too, shows every process of forkserver-ps",
          "[gui][xvfb][tree][present]") {
    for (auto [size, scale] : {std::pair{"1280x720", "2"}, {"1920x1080", "3"}}) {
        CAPTURE(size, scale);
        const Shown s =
            show(std::string("present_compact_") + size,
                 {"--scenario", "forkserver-ps", "--method", "forkserver", "--goto-step", "key",
                  "--size", size, "--scale", scale, "--present", "--actions", "1:key=C"},
                 "", 3, size);
        REQUIRE(s.exitCode == 0);
        CHECK(s.state["present"] == true);
        const json& p = s.state["panes"][0];
        CHECK(p["tree_view"] == "compact");
        const json& t = p["tree_panel"];
        CHECK(t["h"].get<double>() >= 0.4 * s.state["window"]["h"].get<double>());
        REQUIRE(t["cards"].size() == 4); // parent, tracker, server, child: one row each
        for (auto& c : t["cards"]) CHECK(c["visible"] == true);
    }
}

TEST_CASE("a step about a process far down a tall tree scrolls it into view, in both views",
          "[gui][xvfb][tree]") {
    // Sixty children that differ (each echoes its own number): no group, sixty rows.
    std::filesystem::create_directories(kOut);
    const std::string file = kOut + "/tree60.forklab.jsonl";
    const std::string cmd =
        quote(FORKLAB_BINARY) + " trace -q --quiet-program --export " + quote(file) +
        " -- sh -c 'for i in $(seq 60); do /bin/echo $i; done; : " + tag() + "' >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    for (const bool compact : {false, true}) {
        INFO((compact ? "compact view" : "box view"));
        std::vector<std::string> args = {"--trace", file, "--goto-step", "170"};
        if (compact) args.insert(args.end(), {"--actions", "1:key=C"});
        const Shown s =
            show(std::string("tree60_step_") + (compact ? "compact" : "boxes"), args, "", 4);
        REQUIRE(s.exitCode == 0);
        const json& p = s.state["panes"][0];
        REQUIRE(p["tree"].size() >= 50); // those born by that step
        for (auto& n : p["tree"]) CHECK(!n.contains("group_size"));
        const long focus = p["selected"];
        int index = -1;
        for (size_t i = 0; i < p["tree"].size(); ++i)
            if (p["tree"][i]["pid"] == focus) index = int(i);
        INFO("the step's process " << focus << " is row " << index);
        CHECK(index > 40); // far below the first screen
        const json* c = card(p, focus);
        REQUIRE(c);
        CHECK((*c)["visible"] == true);
        requireAllGone(p);
    }
}
