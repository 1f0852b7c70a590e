// Compare versions (issue 14): a python-* lesson under one method with every CPython found, one
// column each, stepped together; the fd view's pipe writes (python-arguments); Retry for a column
// that could not start (issue 12). Asserted from the window's dumped state under Xvfb.
#include "XvfbRunner.hpp"

#include <set>

using namespace forklab::guitest;

TEST_CASE("compare versions: one column per CPython, stepped together, each with its status and "
          "key fact",
          "[gui][xvfb][compare][versions]") {
    const std::vector<std::string> args = {"--scenario", "python-arguments",   "--method",
                                           "spawn",      "--compare-versions", "--goto-step",
                                           "key"};
    const Shown key = show("versions_key", args, "", 4);
    if (key.exitCode == 2 || key.state.is_null() || key.state["panes"].size() < 2) {
        WARN("fewer than two CPython interpreters here: compare versions has one column or none");
        return;
    }
    REQUIRE(key.exitCode == 0);
    CHECK(key.state["mode"] == "compare-versions");
    std::set<std::string> versions;
    for (auto& p : key.state["panes"]) {
        CAPTURE(p["title"]);
        const std::string version = p["version"];
        CHECK(p["title"] == "CPython " + version);
        CHECK(version.rfind("3.", 0) == 0);
        versions.insert(version);
        CHECK(p["method"] == "spawn"); // the same method in every column
        CHECK(p["status"].get<std::string>().rfind("ended: exit code 0", 0) == 0);
        CHECK(p["key_fact"].get<std::string>().rfind("?", 0) == 0); // not before the reveal
        CHECK(p["retry"] == false);
        CHECK(p["cursor"]["marker"] == key.state["panes"][0]["cursor"]["marker"]);
    }
    CHECK(versions.size() == key.state["panes"].size()); // one column per interpreter

    std::vector<std::string> next = args;
    next.insert(next.end(), {"--actions", "1:next"});
    const Shown after = show("versions_reveal", next, "", 4);
    REQUIRE(after.exitCode == 0);
    REQUIRE(after.state["panes"].size() == key.state["panes"].size());
    for (auto& p : after.state["panes"]) {
        CAPTURE(p["title"]);
        // Every version pickles with protocol 4: the header the recorder caught.
        CHECK_THAT(p["key_fact"].get<std::string>(),
                   Catch::Contains("bytes into the data pipe: 80 04"));
        CHECK(p["cursor"]["marker"] == after.state["panes"][0]["cursor"]["marker"]);
    }
}

TEST_CASE("python-arguments: the fd view shows the data pipe's bytes after the reveal, not before",
          "[gui][xvfb][arguments]") {
    const std::vector<std::string> args = {
        "--scenario", "python-arguments", "--method", "spawn", "--goto-step", "key", "--tab",
        "fds"};
    const Shown before = show("arguments_fds_key", args, "", 3);
    if (before.exitCode == 2) {
        WARN("no CPython for python-arguments");
        return;
    }
    REQUIRE(before.exitCode == 0);
    const json& b = before.state["panes"][0]["fds"]["pipe_writes"];
    REQUIRE(b.size() == 1); // the key step's process (the child) holds the data pipe's read end
    CHECK(b[0]["head"] == "? (hidden until the reveal)");
    CHECK(b[0]["length"] == "? (hidden until the reveal)");

    std::vector<std::string> next = args;
    next.insert(next.end(), {"--actions", "1:next,3:key=1"}); // the reveal, then the fds tab
    const Shown after = show("arguments_fds_reveal", next, "", 6);
    REQUIRE(after.exitCode == 0);
    CHECK(after.state["tab"] == "fds");
    const json& a = after.state["panes"][0]["fds"]["pipe_writes"];
    REQUIRE(a.size() == 1);
    CHECK(a[0]["head"].get<std::string>().rfind("80 04", 0) == 0);
    CHECK(a[0]["length"].get<int>() > 100);
    CHECK(a[0]["target"].get<std::string>().rfind("pipe:[", 0) == 0);
    CHECK(pngWritten(after.png));
}

TEST_CASE("compare mode: a column that could not start says why and offers Retry",
          "[gui][xvfb][compare][retry]") {
    // No lessons program where forklab is told to look: every column fails at once.
    const std::string env = "FORKLAB_LESSONS_BIN=/nonexistent/forklab-lessons";
    const std::vector<std::string> args = {"--scenario", "global-state", "--compare"};
    const Shown failed = show("retry_failed", args, env, 3);
    REQUIRE(failed.exitCode == 0);
    REQUIRE(failed.state["panes"].size() == 3);
    for (auto& p : failed.state["panes"]) {
        CHECK(p["status"].get<std::string>().rfind("could not start: ", 0) == 0);
        CHECK_THAT(p["status"].get<std::string>(), Catch::Contains("/nonexistent/forklab-lessons"));
        CHECK(p["retry"] == true);
        CHECK(p["attempts"] == 1);
    }
    // Retry on the middle column starts it again (and it says why again); the others are left.
    std::vector<std::string> retry = args;
    retry.insert(retry.end(), {"--actions", "1:retry=1"});
    const Shown again = show("retry_again", retry, env, 3);
    REQUIRE(again.exitCode == 0);
    REQUIRE(again.state["panes"].size() == 3);
    CHECK(again.state["panes"][0]["attempts"] == 1);
    CHECK(again.state["panes"][1]["attempts"] == 2);
    CHECK(again.state["panes"][2]["attempts"] == 1);
    CHECK(again.state["panes"][1]["status"].get<std::string>().rfind("could not start: ", 0) == 0);
    CHECK(again.state["panes"][1]["retry"] == true);

    // A column that started is not offered Retry.
    const Shown ok = show("retry_none", args, "", 3);
    REQUIRE(ok.exitCode == 0);
    for (auto& p : ok.state["panes"]) CHECK(p["retry"] == false);
}
