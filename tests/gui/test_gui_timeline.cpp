// The timeline in the real window (xvfb): step flags that never cover each other, zoom to the
// current step (Z), thread lifetimes under their process (hidden while the lesson asks about
// them), and a live process that keeps growing while nothing happens.
#include "XvfbRunner.hpp"

using namespace forklab::guitest;

namespace {

void requireFlagsApart(const json& timeline, int currentStep) {
    const json& flags = timeline["flags"];
    int current = 0;
    for (size_t a = 0; a < flags.size(); ++a) {
        if (flags[a]["current"] == true) {
            ++current;
            CHECK(flags[a]["step"] == currentStep);
        }
        for (size_t b = a + 1; b < flags.size(); ++b) {
            const double a0 = flags[a]["x"], a1 = a0 + double(flags[a]["w"]);
            const double b0 = flags[b]["x"], b1 = b0 + double(flags[b]["w"]);
            INFO("flags " << flags[a]["step"] << " and " << flags[b]["step"]);
            CHECK((a1 <= b0 || b1 <= a0)); // no label covers another
        }
    }
    CHECK(current == 1); // the step the cursor is on always has its flag
}

} // namespace

TEST_CASE("timeline: flags apart, zoom to the step, threads under their process",
          "[gui][xvfb][timeline]") {
    for (const std::string step : {"1", "2", "3"}) {
        INFO("step " << step);
        const Shown s = show("timeline_threads_" + step, {"--scenario", "threads-after-fork",
                                                          "--method", "fork", "--goto-step", step});
        REQUIRE(s.exitCode == 0);
        const json& p = s.state["panes"][0];
        REQUIRE(p["cursor"]["marker"] == std::stoi(step));
        requireFlagsApart(p["timeline"], std::stoi(step));
        const bool threadsHidden =
            std::find(p["spoilers"]["hidden"].begin(), p["spoilers"]["hidden"].end(), "threads") !=
            p["spoilers"]["hidden"].end();
        if (threadsHidden)
            CHECK(p["timeline"]["thread_lines"] == 0); // the count is the lesson's answer
        if (step == "3") {
            CHECK(!threadsHidden);
            CHECK(p["timeline"]["thread_lines"] == 4); // the parent's four workers
        }
    }
    // Z: the view spans the current step, not the whole run.
    const Shown whole = show("timeline_whole", {"--scenario", "threads-after-fork", "--method",
                                                "fork", "--goto-step", "2"});
    const Shown zoomed =
        show("timeline_zoom", {"--scenario", "threads-after-fork", "--method", "fork",
                               "--goto-step", "2", "--actions", "2:key=Z"});
    REQUIRE(zoomed.exitCode == 0);
    const json& w = whole.state["panes"][0]["timeline"];
    const json& z = zoomed.state["panes"][0]["timeline"];
    CHECK(w["fit"] == true);
    CHECK(z["fit"] == false);
    CHECK(double(z["t1_ns"]) - double(z["t0_ns"]) < double(w["t1_ns"]) - double(w["t0_ns"]));
    requireFlagsApart(z, 2);
}

TEST_CASE("timeline: a live process grows while it runs", "[gui][xvfb][timeline]") {
    // A unique sleep length names the processes this test started.
    const std::string tag = "60.4" + std::to_string(getpid() % 1000);
    const Shown s = show("timeline_live", {"--live", "--", "sleep", tag}, "", 200);
    REQUIRE(s.exitCode == 0);
    const json& p = s.state["panes"][0];
    REQUIRE(p["live"] == true);
    const json* sleeper = node(p, "sleep", "started by forklab");
    REQUIRE(sleeper);
    CHECK((*sleeper)["state"] == "running");
    // Nothing happens after sleep's exec, yet the drawn end moves on with the running time.
    CHECK(double(p["timeline"]["end_ns"]) > double(p["timeline"]["recorded_end_ns"]));
    const int left = std::system(("pgrep -f '[s]leep " + tag + "' >/dev/null").c_str());
    CHECK(WEXITSTATUS(left) == 1); // closing the window ended it
}
