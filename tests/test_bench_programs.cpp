// `forklab bench programs --quick`: every shipped workload runs under every contender and exits
// 0, and nothing of it stays: no process, no temporary entry, no build output in the sources.
// (Its timings are not checked: speed is the bench's output, not a test's.)
#include "CliRunner.hpp"
#include "SandboxHelpers.hpp"

#include <catch2/catch.hpp>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <sys/stat.h>

using namespace forklab::test;

namespace {

std::set<std::string> entries(const std::string& dir) {
    std::set<std::string> out;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d))
            if (std::string n = e->d_name; n != "." && n != "..") out.insert(n);
        closedir(d);
    }
    return out;
}

// Processes whose environment carries tag: they descend from the bench run this test started.
std::vector<std::string> processesWith(const std::string& tag) {
    std::vector<std::string> found;
    for (const std::string& pid : entries("/proc")) {
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream env("/proc/" + pid + "/environ", std::ios::binary);
        std::stringstream text;
        text << env.rdbuf();
        if (text.str().find(tag) != std::string::npos) found.push_back(pid);
    }
    return found;
}

} // namespace

TEST_CASE("bench programs --quick runs each workload and leaves nothing behind", "[cli][bench]") {
    const std::string source = FORKLAB_SOURCE_BENCH "/cproject";
    const std::set<std::string> shipped = entries(source);
    REQUIRE(shipped.count("Makefile") == 1);

    // The run's temporary entries all go under a directory of the test's own (TMPDIR), which
    // must be empty afterwards; the tag in the environment finds any process that outlived it.
    char tmpl[] = "/tmp/forklab-test-bench-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    const std::string tmp = tmpl, tag = "FORKLAB_TEST_BENCH_TAG=" + tmp;
    const std::string json = tmp + ".json";
    RemovedAtEnd removedDir{tmp}, removedJson{json};
    setenv("TMPDIR", tmp.c_str(), 1);
    setenv("FORKLAB_TEST_BENCH_TAG", tmp.c_str(), 1);
    CliResult r = runForklab({"bench", "programs", "--quick", "--rounds", "1", "--json", json});
    unsetenv("TMPDIR");
    unsetenv("FORKLAB_TEST_BENCH_TAG");
    INFO(r.out);
    CHECK(r.exitCode == 0);

    nlohmann::json report;
    {
        std::ifstream in(json);
        REQUIRE(in);
        report = nlohmann::json::parse(in);
    }
    unlink(json.c_str());
    const auto& w = report.at("workloads");
    CHECK(w.size() == 6);
    int measured = 0;
    for (auto& [name, j] : w.items()) {
        INFO(name);
        if (j.contains("skipped")) { // only the Python workloads, and only without a CPython
            CHECK(name.find("Python") != std::string::npos);
            std::cout << "forklab-skip: " << name << ": " << j["skipped"] << '\n';
            continue;
        }
        ++measured;
        for (const char* who : {"untraced", "forklab", "strace"}) {
            INFO(who);
            if (j.at(who).contains("skipped")) {
                CHECK(std::string(who) == "strace");
                continue;
            }
            CHECK(j.at(who).at("failed_runs") == 0);
            CHECK(j.at(who).at("runs_s").size() == 1);
        }
    }
    CHECK(measured >= 3); // make, /bin/true, seq | awk need no CPython

    CHECK(processesWith(tag).empty());
    CHECK(entries(tmp).empty());
    CHECK(rmdir(tmp.c_str()) == 0);
    CHECK(entries(source) == shipped); // no object file, no binary in the shipped project
}
