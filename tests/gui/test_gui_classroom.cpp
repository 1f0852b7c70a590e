// The classroom window (DESIGN §7) under a virtual X server: no spoilers before the reveal, the
// key fact in view at it, projector sizes, replay as a lesson, compare columns, big trees and the
// presenter's keys — each from the window's own state dump.
#include "XvfbRunner.hpp"

using namespace forklab::guitest;

namespace {

bool has(const json& list, const std::string& what) {
    for (auto& x : list)
        if (x == what) return true;
    return false;
}

pid_t rootPid(const json& pane) {
    for (auto& n : pane["tree"])
        if (n["start"] == "started by forklab") return n["pid"].get<pid_t>();
    return 0;
}

// Whether the dump shows any fact of the kinds the lesson declared as its answer.
std::vector<std::string> answersShown(const json& pane, const json& facts) {
    std::vector<std::string> shown;
    const pid_t root = rootPid(pane);
    for (auto& n : pane["tree"]) {
        if (n["pid"] == root) continue;
        if (has(facts, "threads") && n["threads"] != "?")
            shown.push_back("threads of " + n["label"].get<std::string>());
        if (has(facts, "verdict") && (n["state"] == "DEADLOCKED" || n["state"] == "blocked"))
            shown.push_back("state of " + n["label"].get<std::string>());
        if (has(facts, "exit") && (n["state"] == "exited" || n["state"] == "killed"))
            shown.push_back("end of " + n["label"].get<std::string>());
    }
    if (has(facts, "verdict") && (!pane["deadlocks"].empty() || !pane["waits"].empty()))
        shown.push_back("verdicts or waits");
    if ((has(facts, "output") && pane["selected"] != root) || has(facts, "timings"))
        if (!pane["output"].empty()) shown.push_back("output");
    if (has(facts, "ledger"))
        for (auto& r : pane["semaphores"])
            if (r["leaked"] != "?") shown.push_back("ledger");
    if (!pane["narration"]["per_method"].get<std::string>().empty())
        shown.push_back("per-method note");
    return shown;
}

} // namespace

namespace {

// At the key step no view shows the lesson's declared answer and Next reveals it with the key
// step's process and the answer's tab in view: every lesson that asks, under one method.
void checkNoSpoilers(const char* method) {
    // Every lesson that asks a question (its file has "## question").
    std::vector<std::string> lessonIds;
    for (auto& e :
         std::filesystem::directory_iterator(std::string(FORKLAB_SOURCE_DIR) + "/assets/lessons")) {
        std::ifstream in(e.path());
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        if (e.path().extension() == ".md" && text.find("\n## question\n") != std::string::npos)
            lessonIds.push_back(e.path().stem().string());
    }
    std::sort(lessonIds.begin(), lessonIds.end());
    REQUIRE(lessonIds.size() >= 19);
    for (const std::string& id : lessonIds) {
        CAPTURE(id, method);
        std::vector<std::string> args = {"--scenario",  id,   "--method", method,
                                         "--goto-step", "key"};
        if (id == "launch-latency") args.insert(args.end(), {"--variant", "3"});
        const Shown before = show("spoil_" + id + "_" + method, args, "", 2);
        if (id.rfind("python-", 0) == 0 && before.exitCode == 2) {
            WARN("no CPython for " << id);
            continue;
        }
        REQUIRE(before.exitCode == 0);
        const json& p = before.state["panes"][0];
        const json& facts = p["spoilers"]["hidden"];
        CHECK(p["spoilers"]["pending"] == true);
        CHECK(p["narration"]["reveal"] == "");
        CAPTURE(answersShown(p, facts));
        CHECK(answersShown(p, facts).empty());
        // A lesson that declares no answer facts asks before the processes it is about
        // exist: the tree holds the program's root alone (a child, a worker, a server or a
        // tracker would show the answer).
        if (facts.empty()) {
            int started = 0;
            for (auto& n : p["tree"]) started += n["start"] != "sandbox";
            CHECK(started == 1);
        }

        // Next, as the teacher presses it at the key step.
        args.insert(args.end(), {"--actions", "1:next"});
        const Shown after = show("reveal_" + id + "_" + method, args, "", 4);
        REQUIRE(after.exitCode == 0);
        const json& q = after.state["panes"][0];
        CHECK(q["spoilers"]["pending"] == false);
        CHECK(q["spoilers"]["hidden"].empty());
        CHECK(!q["narration"]["reveal"].get<std::string>().empty());
        CHECK(!q["narration"]["per_method"].get<std::string>().empty());
        for (auto& n : q["tree"]) {
            CHECK(n["threads"] != "?");
            CHECK(n["state"] != "?");
        }
        // The key step's process is in view, on the tab that holds the answer.
        if (has(facts, "ledger") || has(facts, "verdict"))
            CHECK(after.state["tab"] == "sync");
        else if (has(facts, "output") || has(facts, "timings"))
            CHECK(after.state["tab"] == "output");
    }
}

} // namespace

// One test per method: each opens some forty windows, and a test is given at most 180 s.
TEST_CASE("no spoilers under fork: at the key step no view shows the lesson's declared answer "
          "and Next reveals it with the key step's process and the answer's tab in view",
          "[gui][xvfb][spoilers]") {
    checkNoSpoilers("fork");
}

TEST_CASE("no spoilers under spawn: the same", "[gui][xvfb][spoilers]") {
    checkNoSpoilers("spawn");
}

TEST_CASE("no spoilers under forkserver: the same", "[gui][xvfb][spoilers]") {
    checkNoSpoilers("forkserver");
}

TEST_CASE("global-state's reveal shows the child's printed value without a click",
          "[gui][xvfb][spoilers]") {
    for (const char* method : {"fork", "spawn"}) {
        CAPTURE(method);
        const Shown s = show(std::string("global_state_reveal_") + method,
                             {"--scenario", "global-state", "--method", method, "--goto-step",
                              "key", "--actions", "1:next"},
                             "", 4);
        REQUIRE(s.exitCode == 0);
        const json& p = s.state["panes"][0];
        const json* child =
            node(p, "child", std::string(method) == "fork" ? "fork" : "spawn-child");
        REQUIRE(child);
        CHECK(p["selected"] == (*child)["pid"]);
        CHECK(s.state["tab"] == "output");
        std::string out;
        for (auto& l : p["output"]) out += l["text"].get<std::string>();
        CHECK_THAT(out, Catch::Contains(std::string(method) == "fork" ? "999" : "777"));
    }
}

TEST_CASE("the semaphore lessons open on the /dev/shm ledger", "[gui][xvfb][spoilers]") {
    const Shown s = show("sem_opens_ledger", {"--scenario", "semaphore-tracker", "--method",
                                              "spawn", "--goto-step", "1"});
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["tab"] == "sync");
}

TEST_CASE("on a projector (1280x720 at scale 2 and 1920x1080 at scale 3) the controls fold into "
          "one bar and the tree panel shows every process of forkserver-ps",
          "[gui][xvfb][present]") {
    for (auto [size, scale] : {std::pair{"1280x720", "2"}, {"1920x1080", "3"}}) {
        CAPTURE(size, scale);
        const Shown s = show(std::string("present_") + size,
                             {"--scenario", "forkserver-ps", "--method", "forkserver",
                              "--goto-step", "key", "--size", size, "--scale", scale},
                             "", 3, size);
        REQUIRE(s.exitCode == 0);
        CHECK(s.state["present"] == true); // short for its font: one thin bar
        const json& t = s.state["panes"][0]["tree_panel"];
        CHECK(t["h"].get<double>() >= 0.4 * s.state["window"]["h"].get<double>());
        REQUIRE(t["cards"].size() == 4); // parent, tracker, server, child
        for (auto& c : t["cards"]) CHECK(c["visible"] == true);
        // The command lines the lesson asks to read are on the cards, not only in tooltips.
        bool tracker = false, server = false;
        for (auto& n : s.state["panes"][0]["tree"]) {
            const std::string cmd = n["command_line"];
            tracker |= cmd.rfind("--forklab-tracker", 0) == 0;
            server |= cmd.rfind("--forklab-forkserver", 0) == 0;
        }
        CHECK(tracker);
        CHECK(server);
    }
    // A roomy window keeps the full bar.
    const Shown wide = show("present_1600", {"--scenario", "forkserver-ps", "--method",
                                             "forkserver", "--goto-step", "key"});
    REQUIRE(wide.exitCode == 0);
    CHECK(wide.state["present"] == false);
    for (auto& c : wide.state["panes"][0]["tree_panel"]["cards"]) CHECK(c["visible"] == true);
}

TEST_CASE("a lesson's recording replays as the lesson and picking another lesson leaves nothing "
          "of it",
          "[gui][xvfb][replay]") {
    const std::string file = kOut + "/global-state-spawn.forklab.jsonl";
    std::filesystem::remove(file);
    const std::string record = quote(FORKLAB_BINARY) +
                               " run global-state --method spawn --export " + quote(file) +
                               " >/dev/null 2>&1";
    REQUIRE(std::system(record.c_str()) == 0);
    const Shown s = show("replay_lesson", {"--trace", file, "--goto-step", "key"});
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["mode"] == "lesson");
    CHECK(s.state["lesson"] == "global-state");
    const json& p = s.state["panes"][0];
    CHECK(p["method"] == "spawn");
    CHECK(p["live"] == false);
    CHECK(!p["narration"]["question"].get<std::string>().empty());
    CHECK(p["narration"]["step"].get<std::string>().find("the child reads Test.value") !=
          std::string::npos);
    CHECK(p["spoilers"]["pending"] == true);

    const Shown picked =
        show("replay_then_pick", {"--trace", file, "--actions", "1:lesson=mutex-after-fork"});
    REQUIRE(picked.exitCode == 0);
    CHECK(picked.state["lesson"] == "mutex-after-fork");
    CHECK(picked.state["panes"].empty()); // the old run and its narration are gone
}

TEST_CASE("compare mode: each column says its status and after the reveal its key fact",
          "[gui][xvfb][compare]") {
    const Shown key = show(
        "compare_key", {"--scenario", "global-state", "--compare", "--goto-step", "key"}, "", 4);
    REQUIRE(key.exitCode == 0);
    REQUIRE(key.state["panes"].size() == 3);
    for (auto& p : key.state["panes"]) {
        CHECK(p["status"].get<std::string>().rfind("ended: exit code 0", 0) == 0);
        CHECK(p["key_fact"].get<std::string>().rfind("?", 0) == 0); // not before the reveal
        CHECK(p["narration"]["per_method"] == "");
    }
    const Shown after = show(
        "compare_reveal",
        {"--scenario", "global-state", "--compare", "--goto-step", "key", "--actions", "1:next"},
        "", 4);
    REQUIRE(after.exitCode == 0);
    REQUIRE(after.state["panes"].size() == 3);
    const char* expected[] = {"999", "777", "777"}; // fork, spawn, forkserver
    for (size_t i = 0; i < 3; ++i) {
        const json& p = after.state["panes"][i];
        CAPTURE(p["method"]);
        CHECK_THAT(p["key_fact"].get<std::string>(), Catch::Contains(expected[i]));
        CHECK(!p["narration"]["per_method"].get<std::string>().empty());
    }
}

TEST_CASE("compare mode: a column whose lesson has fewer steps shows its end, revealed with the "
          "others, and Back hides it again",
          "[gui][xvfb][compare]") {
    // mutex-after-fork has a third step only under fork (the parent gives up on the stuck
    // child): spawn's and forkserver's runs end after the key step.
    for (const char* how : {"goto", "forward"}) {
        CAPTURE(how);
        std::vector<std::string> args = {"--scenario", "mutex-after-fork", "--compare"};
        if (std::string(how) == "goto")
            args.insert(args.end(), {"--goto-step", "3"});
        else
            args.insert(args.end(), {"--goto-step", "key", "--actions", "1:forward"});
        const Shown s = show(std::string("compare_fewer_") + how, args, "", 4);
        REQUIRE(s.exitCode == 0);
        REQUIRE(s.state["panes"].size() == 3);
        int third = 0;
        for (auto& p : s.state["panes"]) {
            CAPTURE(p["method"], p["narration"]["step"]);
            CHECK(p["spoilers"]["pending"] == false);
            CHECK(!p["narration"]["reveal"].get<std::string>().empty());
            third += p["narration"]["step"].get<std::string>().rfind("Step 3 of 3", 0) == 0;
        }
        CHECK(third == 1); // fork's column alone has a third step; the others show their end
    }
    const Shown back = show(
        "compare_fewer_back",
        {"--scenario", "mutex-after-fork", "--compare", "--goto-step", "3", "--actions", "1:back"},
        "", 4);
    REQUIRE(back.exitCode == 0);
    for (auto& p : back.state["panes"]) {
        CAPTURE(p["method"]);
        CHECK(p["spoilers"]["pending"] == true); // all at the key step again
    }
}

TEST_CASE("a tree of a hundred processes: search finds a pid and the tree scrolls to it",
          "[gui][xvfb][search]") {
    const std::string file = kOut + "/hundred.forklab.jsonl";
    std::filesystem::remove(file);
    const std::string record = quote(FORKLAB_BINARY) + " trace -q --export " + quote(file) +
                               " -- bash -c 'for i in $(seq 100); do /bin/true; done'" +
                               " >/dev/null 2>&1";
    REQUIRE(std::system(record.c_str()) == 0);
    const Shown all = show("hundred", {"--trace", file, "--goto-step", "last"});
    REQUIRE(all.exitCode == 0);
    const json& tree = all.state["panes"][0]["tree"];
    // The hundred alike children are one group row (test_gui_tree.cpp); a pid far down in it.
    const json* group = nullptr;
    for (auto& n : tree)
        if (n.contains("group_members")) group = &n;
    REQUIRE(group);
    REQUIRE((*group)["group_members"].size() == 100);
    const int wanted = (*group)["group_members"][80].get<int>();
    bool visibleBefore = false;
    for (auto& c : all.state["panes"][0]["tree_panel"]["cards"])
        if (c["pid"] == wanted) visibleBefore = c["visible"];
    CHECK_FALSE(visibleBefore); // its group has to open and the tree to scroll to show it

    const Shown found = show(
        "hundred_search",
        {"--trace", file, "--goto-step", "last", "--actions", "1:search=" + std::to_string(wanted)},
        "", 4);
    REQUIRE(found.exitCode == 0);
    const json& p = found.state["panes"][0];
    CHECK(p["search"] == std::to_string(wanted));
    CHECK(p["selected"] == wanted);
    bool visible = false;
    for (auto& c : p["tree_panel"]["cards"])
        if (c["pid"] == wanted) visible = c["visible"];
    CHECK(visible);
}

TEST_CASE("presenter keys: two PgDn taps within one frame are two steps and B blanks the screen",
          "[gui][xvfb][keys]") {
    // Both presses reach the window's key queue before the next frame, as a fast double tap
    // does; each is a step.
    const Shown s = show("keys_pgdn",
                         {"--scenario", "mutex-after-fork", "--method", "fork", "--goto-step", "1",
                          "--actions", "1:key=PageDown,1:key=PageDown"},
                         "", 4);
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["panes"][0]["cursor"]["marker"] == 3);
    CHECK(s.state["blank"] == false);
    const Shown back = show("keys_pgup",
                            {"--scenario", "mutex-after-fork", "--method", "fork", "--goto-step",
                             "3", "--actions", "1:key=PageUp,2:key=B,2:key=3"},
                            "", 4);
    REQUIRE(back.exitCode == 0);
    CHECK(back.state["panes"][0]["cursor"]["marker"] == 2);
    CHECK(back.state["blank"] == true);
}
