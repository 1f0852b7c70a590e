// The real window under a virtual X server, in test mode: `forklab gui --frames N
// --screenshot --dump-state` on lessons and fixtures, checking what the views show (the JSON
// is built from the same rows the views draw) and that a PNG came out.
#include "XvfbRunner.hpp"

using namespace forklab::guitest;

TEST_CASE("mutex-after-fork under fork: the child is deadlocked, the owner is not its thread",
          "[gui][xvfb]") {
    const Shown s = show("mutex_fork_last", {"--scenario", "mutex-after-fork", "--method", "fork",
                                             "--goto-step", "last", "--tab", "sync"});
    REQUIRE(s.exitCode == 0);
    REQUIRE(pngWritten(s.png));
    const json& p = s.state["panes"][0];
    CHECK(s.state["mode"] == "lesson");
    CHECK(p["finished"] == true);
    const json* child = node(p, "child", "fork");
    REQUIRE(child);
    CHECK((*child)["state"] == "DEADLOCKED");
    CHECK((*child)["threads"] == 1);
    const json* parent = node(p, "parent", "started by forklab");
    REQUIRE(parent);
    CHECK((*parent)["threads"] == 2);
    REQUIRE(p["deadlocks"].size() == 1);
    const json& d = p["deadlocks"][0];
    CHECK(d["rule"] == "a");
    CHECK(d["mutex"] == "log_lock");
    CHECK(d["owner_in_process"] == false);
    CHECK(d["headline"].get<std::string>().find("not a thread of this process") !=
          std::string::npos);
    // Where the waiter is stuck, under the verdict (the line the Mutexes tab draws).
    CHECK(d["stack"].get<std::string>().find("pthread_mutex_lock \u2190 child") !=
          std::string::npos);
    CHECK(p["narration"]["step"].get<std::string>().find("gives up") != std::string::npos);
    CHECK(!p["narration"]["reveal"].get<std::string>().empty()); // after the key step: answered
}

TEST_CASE("mutex-after-fork at the key step asks the question and hides the answer",
          "[gui][xvfb]") {
    const Shown s = show("mutex_fork_key", {"--scenario", "mutex-after-fork", "--method", "fork",
                                            "--goto-step", "key"});
    REQUIRE(s.exitCode == 0);
    const json& n = s.state["panes"][0]["narration"];
    CHECK(n["before_key"] == true);
    CHECK(!n["question"].get<std::string>().empty());
    CHECK(n["choices"].size() >= 2);
    CHECK(n["reveal"] == "");
    CHECK(!n["text"].get<std::string>().empty());
    // The child is selected (the key step is its marker) and holds what it inherited.
    const json& p = s.state["panes"][0];
    const json* child = node(p, "child", "fork");
    REQUIRE(child);
    CHECK(p["selected"] == (*child)["pid"]);
    CHECK(fd(p, 0, "open"));
    CHECK((*fd(p, 0, "open"))["inherited"] == true);
}

TEST_CASE("fd-inheritance under spawn: exec closed the CLOEXEC file, the launcher the rest",
          "[gui][xvfb]") {
    // Step 2: the child at its fd table (the key step asks before the child exists).
    const Shown s = show("fd_inheritance_spawn",
                         {"--scenario", "fd-inheritance", "--method", "spawn", "--goto-step", "2"});
    REQUIRE(s.exitCode == 0);
    const json& p = s.state["panes"][0];
    CHECK(node(p, "child", "spawn-child")); // the roles' one vocabulary (Roles.hpp)
    CHECK(node(p, "tracker", "resource-tracker"));
    bool cloexecClosedByExec = false, lessonFdsOpen = false;
    for (auto& r : p["fds"]["rows"]) {
        const std::string name = r["name"];
        if (r["status"] == "closed_by_exec" && r["cloexec"] == true &&
            name.find("CLOEXEC file") != std::string::npos)
            cloexecClosedByExec = true;
        if (r["status"] == "open" && name.rfind("lesson:", 0) == 0) lessonFdsOpen = true;
    }
    CHECK(cloexecClosedByExec);
    CHECK_FALSE(lessonFdsOpen);
    CHECK(p["fds"]["when"] == "at the lesson step");
}

TEST_CASE("fd-inheritance under fork: the child holds all four, CLOEXEC too", "[gui][xvfb]") {
    const Shown s = show("fd_inheritance_fork",
                         {"--scenario", "fd-inheritance", "--method", "fork", "--goto-step", "2"});
    REQUIRE(s.exitCode == 0);
    int lessonFds = 0;
    for (auto& r : s.state["panes"][0]["fds"]["rows"])
        if (r["status"] == "open" && r["inherited"] == true &&
            r["name"].get<std::string>().rfind("lesson:", 0) == 0)
            ++lessonFds;
    CHECK(lessonFds == 5); // a file, both ends of a pipe, a CLOEXEC file, an inheritable file
}

TEST_CASE("compare mode runs the lesson under all three methods", "[gui][xvfb]") {
    const Shown s = show("compare_start_methods",
                         {"--scenario", "start-methods", "--compare", "--goto-step", "last"});
    REQUIRE(s.exitCode == 0);
    REQUIRE(pngWritten(s.png));
    CHECK(s.state["mode"] == "compare");
    REQUIRE(s.state["panes"].size() == 3);
    CHECK(s.state["panes"][0]["method"] == "fork");
    CHECK(s.state["panes"][1]["method"] == "spawn");
    CHECK(s.state["panes"][2]["method"] == "forkserver");
    // Under forkserver the child is the server's child.
    bool serverChild = false;
    for (auto& n : s.state["panes"][2]["tree"]) serverChild |= n["start"] == "forkserver-child";
    CHECK(serverChild);
}

TEST_CASE("any program: the semaphore ledger shows a leak, at scale 2, high contrast",
          "[gui][xvfb]") {
    const Shown s = show("sem_kill_program", {"--scale", "2", "--theme", "high-contrast", "--tab",
                                              "sync", "--", fixture("sem_kill"), "/gui_xvfb"});
    REQUIRE(s.exitCode == 0);
    REQUIRE(pngWritten(s.png));
    CHECK(s.state["mode"] == "program");
    CHECK(s.state["scale"] == 2.0);
    const json& sems = s.state["panes"][0]["semaphores"];
    REQUIRE(sems.size() == 1);
    CHECK(sems[0]["name"] == "/gui_xvfb");
    CHECK(sems[0]["leaked"] == true);
}

TEST_CASE("bad test-mode arguments are usage errors", "[gui][xvfb]") {
    CHECK(show("bad_lesson", {"--scenario", "no-such-lesson"}).exitCode == 2);
    CHECK(show("bad_step", {"--goto-step", "banana", "--", "true"}).exitCode == 2);
}

TEST_CASE("test mode neither reads nor writes the settings file", "[gui][xvfb]") {
    const std::string home = kOut + "/home";
    std::filesystem::remove_all(home);
    std::filesystem::create_directories(home + "/.config/forklab");
    { std::ofstream(home + "/.config/forklab/gui.conf") << "scale=3\ntheme=light\n"; }
    const Shown s =
        show("settings_untouched", {"--", "true"}, "env HOME=" + quote(home) + " XDG_CONFIG_HOME=");
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["scale"] == 1.0);
    CHECK(s.state["theme"] == "dark");
    std::ifstream in(home + "/.config/forklab/gui.conf");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == "scale=3\ntheme=light\n");
}

TEST_CASE("closing the window mid-run ends the run: nothing survives", "[gui][xvfb]") {
    // A unique sleep length names the processes this test started.
    const std::string tag = "31.4" + std::to_string(getpid() % 1000);
    const Shown s =
        show("close_mid_run", {"--live", "--", "sh", "-c", "sleep " + tag + " & sleep " + tag});
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["panes"][0]["finished"] == false); // it was still running when the window closed
    // ("[s]leep" so that the shell running pgrep does not match itself)
    const int left = std::system(("pgrep -f '[s]leep " + tag + "' >/dev/null").c_str());
    CHECK(WEXITSTATUS(left) == 1); // pgrep: no process matched
}

TEST_CASE("a live lesson holds at each step and Next releases one gate at a time", "[gui][xvfb]") {
    // Frame 2 starts the run; it stops at step 1 (await: however long a loaded machine takes to
    // get there). Next at frame 40 lets it run to step 2 (the key step), where it is held again
    // and the answer is not shown yet.
    const Shown s = show("live_hold",
                         {"--scenario", "mutex-after-fork", "--method", "fork", "--live", "--hold",
                          "--actions", "39:await,40:next,119:await"},
                         "", 120);
    REQUIRE(s.exitCode == 0);
    const json& p = s.state["panes"][0];
    CHECK(p["held"] == true);
    CHECK(p["cursor"]["marker"] == 2);
    CHECK(p["breaks"] == 2); // held at step 1, then at step 2: two breaks on the timeline
    CHECK(p["narration"]["before_key"] == true);
    CHECK(p["narration"]["reveal"] == "");
    const json* child = node(p, "child", "fork");
    REQUIRE(child);
    CHECK((*child)["state"] != "DEADLOCKED"); // the class predicts before the kernel shows it
}

TEST_CASE("a recorded trace replays without running anything", "[gui][xvfb]") {
    const std::string file = kOut + "/replay.forklab.jsonl";
    const std::string record = quote(FORKLAB_BINARY) + " trace -q --export " + quote(file) +
                               " -- " + quote(fixture("cloexec_exec")) + " >/dev/null 2>&1";
    REQUIRE(std::system(record.c_str()) == 0);
    const Shown s = show("replay", {"--trace", file, "--goto-step", "last"});
    REQUIRE(s.exitCode == 0);
    const json& p = s.state["panes"][0];
    CHECK(p["finished"] == true);
    CHECK(p["live"] == false);
    CHECK(!p["tree"].empty());
}

TEST_CASE("every lesson under every method at its key step: question open, the stepping "
          "process selected, and the tree as the kernel showed it",
          "[gui][xvfb]") {
    const char* lessonIds[] = {"start-methods",     "global-state",  "fd-inheritance",
                               "mutex-after-fork",  "atfork-fix",    "threads-after-fork",
                               "semaphore-tracker", "forkserver-ps", "launch-latency"};
    for (const char* id : lessonIds) {
        for (const char* method : {"fork", "spawn", "forkserver"}) {
            CAPTURE(id, method);
            std::vector<std::string> args = {"--scenario",  id,   "--method", method,
                                             "--goto-step", "key"};
            if (std::string(id) == "launch-latency") args.insert(args.end(), {"--variant", "3"});
            const Shown s = show(std::string("key_") + id + "_" + method, args, "", 2);
            REQUIRE(s.exitCode == 0);
            CHECK(pngWritten(s.png));
            const json& p = s.state["panes"][0];
            CHECK(s.state["mode"] == "lesson");
            const json& n = p["narration"];
            CHECK(n["before_key"] == true);
            CHECK(!n["question"].get<std::string>().empty());
            CHECK(n["reveal"] == "");
            bool selectedInTree = false;
            int running = 0;
            for (auto& node : p["tree"]) {
                selectedInTree |= node["pid"] == p["selected"];
                running += node["state"] == "running";
            }
            CHECK(selectedInTree);
            if (std::string(id) == "forkserver-ps") {
                int expected = std::string(method) == "fork"    ? 2
                               : std::string(method) == "spawn" ? 3
                                                                : 4;
                CHECK(running == expected);
            }
        }
    }
}

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The width and height in a PNG's IHDR chunk (0, 0 if it is not a PNG).
std::pair<unsigned, unsigned> pngSize(const std::string& path) {
    const std::string b = slurp(path);
    if (b.size() < 24 || b.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || b.compare(12, 4, "IHDR"))
        return {0, 0};
    auto be32 = [&](size_t at) {
        unsigned v = 0;
        for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
        return v;
    };
    return {be32(16), be32(20)};
}

} // namespace

TEST_CASE("Export… and PNG from the window write real files: the JSONL replays to the same "
          "events, the Chrome file has traceEvents, the DOT is this step's tree, the PNG is the "
          "window",
          "[gui][xvfb][files]") {
    const std::string dir = kOut + "/files";
    std::filesystem::remove_all(dir);
    const std::string jsonl = dir + "/maf.forklab.jsonl", chrome = dir + "/maf.chrome.json",
                      dot = dir + "/maf.dot", png = dir + "/maf.png";
    const Shown s =
        show("files_export",
             {"--scenario", "mutex-after-fork", "--method", "fork", "--goto-step", "key", "--size",
              "1280x720", "--export-from-gui", "jsonl", jsonl, "--export-from-gui", "chrome",
              chrome, "--export-from-gui", "dot", dot, "--png-from-gui", png});
    REQUIRE(s.exitCode == 0);
    const json& p = s.state["panes"][0];
    const json& files = s.state["files"];
    CHECK(files["export_error"] == "");
    CHECK(files["last_export"] == jsonl); // what Open… suggests next
    // The last thing done (the PNG) is confirmed under the bar, with its path to copy.
    CHECK(files["result"]["ok"] == true);
    CHECK(files["result"]["path"] == png);
    CHECK(files["result"]["text"].get<std::string>().find("1280\u00d7720") != std::string::npos);
    CHECK(pngSize(png) == std::make_pair(1280u, 720u));

    // The JSONL opens again (as Open… and --trace do) with every event.
    const Shown again = show("files_reopen", {"--open-from-gui", jsonl, "--goto-step", "last"});
    REQUIRE(again.exitCode == 0);
    CHECK(again.state["files"]["open_error"] == "");
    CHECK(again.state["files"]["result"]["ok"] == true);
    REQUIRE(again.state["panes"].size() == 1);
    CHECK(again.state["panes"][0]["events"] == p["events"]);
    CHECK(again.state["panes"][0]["finished"] == true);

    const json trace = json::parse(slurp(chrome), nullptr, false);
    REQUIRE_FALSE(trace.is_discarded());
    REQUIRE(trace.contains("traceEvents"));
    CHECK(trace["traceEvents"].size() > 10);

    // At the key step (lesson step 2) the tree has the parent and the child.
    const std::string graph = slurp(dot);
    CHECK(graph.rfind("digraph forklab {", 0) == 0);
    CHECK(graph.find("lesson step 2 of ") != std::string::npos);
    for (auto& n : p["tree"])
        CHECK(graph.find("p" + std::to_string(n["pid"].get<int>()) + " ") != std::string::npos);
}

TEST_CASE("the Export… popup suggests <lesson>-<method> names in the working directory",
          "[gui][xvfb][files]") {
    const Shown s = show("files_export_popup",
                         {"--scenario", "mutex-after-fork", "--method", "fork", "--goto-step",
                          "key", "--file-menu", "export"},
                         "", 4);
    REQUIRE(s.exitCode == 0);
    REQUIRE(pngWritten(s.png));
    const std::string path = s.state["files"]["export_path"];
    CHECK(path ==
          std::filesystem::current_path().string() + "/mutex-after-fork-fork.forklab.jsonl");
}

TEST_CASE("Open… of a malformed file shows the importer's error and keeps the window going",
          "[gui][xvfb][files]") {
    std::filesystem::create_directories(kOut);
    const std::string bad = kOut + "/malformed.forklab.jsonl";
    {
        std::ofstream out(bad);
        out << "{\"format\":\"forklab-trace\",\"kind\":\"header\",\"t\":0,\"version\":1}\n"
            << "{\"kind\":\"proc\",\"t\":\"soon\"}\n";
    }
    const Shown s = show("files_open_malformed",
                         {"--scenario", "mutex-after-fork", "--method", "fork", "--goto-step",
                          "key", "--open-from-gui", bad, "--file-menu", "open"},
                         "", 4);
    REQUIRE(s.exitCode == 0);
    REQUIRE(pngWritten(s.png));
    const std::string error = s.state["files"]["open_error"];
    CHECK(error.find(bad) != std::string::npos);
    CHECK(error.find("line 2") != std::string::npos);
    CHECK(s.state["files"]["open_path"] == bad); // left in the field to be corrected
    // What was shown stays shown.
    CHECK(s.state["mode"] == "lesson");
    REQUIRE(s.state["panes"].size() == 1);
    CHECK(s.state["panes"][0]["finished"] == true);
}

TEST_CASE("Export… waits for a live run to finish", "[gui][xvfb][files]") {
    const std::string out = kOut + "/files/live.forklab.jsonl";
    std::filesystem::remove(out);
    const Shown s = show("files_export_live",
                         {"--live", "--export-from-gui", "jsonl", out, "--", "sleep", "30"});
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["panes"][0]["finished"] == false);
    CHECK(s.state["files"]["result"]["ok"] == false);
    CHECK(s.state["files"]["export_error"].get<std::string>().find("still recording") !=
          std::string::npos);
    CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("bad --export-from-gui arguments are usage errors", "[gui][xvfb][files]") {
    CHECK(show("bad_export_format", {"--export-from-gui", "png", kOut + "/x.png", "--", "true"})
              .exitCode == 2);
    CHECK(show("bad_export_pair", {"--export-from-gui", "jsonl"}).exitCode == 2);
}
