// A step's focus row ("## focus": "- LABEL | PROCESS | TAB | ROW", core/lessons/LessonFocus):
// what the parser accepts, what it refuses with a reason (the line is then ignored, not
// guessed at), and that every shipped lesson's focus section parses without a problem.
#include "core/lessons/Catalogue.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace forklab;

TEST_CASE("a focus line with a row parses into the row for each method", "[focus][lessons]") {
    std::string why;
    auto plain = parseFocusLine("- the child looks | child | fds", &why);
    REQUIRE(plain);
    CHECK(plain->label == "the child looks");
    CHECK(plain->focus.process == "child");
    CHECK(plain->focus.tab == "fds");
    for (auto& r : plain->focus.rows) CHECK(!r);

    auto all = parseFocusLine("- s | child | fds | fd closed-by-exec", &why);
    REQUIRE(all);
    for (auto& r : all->focus.rows) {
        CHECK(r.kind == FocusRow::Kind::Fd);
        CHECK(r.fd == FocusRow::Fd::ClosedByExec);
        CHECK(r.words == "fd closed-by-exec");
    }

    auto per = parseFocusLine("- s | child | fds | fork: fd cloexec; spawn, forkserver: fd 3");
    REQUIRE(per);
    CHECK(per->focus.rows[0].fd == FocusRow::Fd::Cloexec);
    CHECK(per->focus.rows[1].fd == FocusRow::Fd::Number);
    CHECK(per->focus.rows[1].number == 3);
    CHECK(per->focus.rows[2].number == 3);

    auto onlyFork = parseFocusLine("- s | child | sync | fork: verdict");
    REQUIRE(onlyFork);
    CHECK(onlyFork->focus.rows[0].kind == FocusRow::Kind::Verdict);
    CHECK(!onlyFork->focus.rows[1]);
    CHECK(!onlyFork->focus.rows[2]);

    auto sem = parseFocusLine("- s | child | sync | semaphore /lesson");
    REQUIRE(sem);
    CHECK(sem->focus.rows[1].arg == "/lesson");
    // A ':' that does not follow method names is the row's own text.
    auto out = parseFocusLine("- s | child | output | output child: got log_lock");
    REQUIRE(out);
    CHECK(out->focus.rows[2].kind == FocusRow::Kind::Output);
    CHECK(out->focus.rows[2].arg == "child: got log_lock");
    auto path = parseFocusLine("- s | child | fds | fd /etc/hostname");
    REQUIRE(path);
    CHECK(path->focus.rows[0].fd == FocusRow::Fd::Target);
    CHECK(path->focus.rows[0].arg == "/etc/hostname");
}

TEST_CASE("a malformed focus line is refused with its reason", "[focus][lessons]") {
    struct Bad {
        std::string line;
        const char* reason;
    };
    const Bad bad[] = {
        {"- only | two", "fields"},
        {"- a | child | fds | fd 3 | more", "fields"},
        {"- | child | fds", "label is empty"},
        {"- a | someone | fds", "unknown process"},
        {"- a | child | memory", "unknown tab"},
        {"- a | child | fds | inode 5", "unknown row"},
        {"- a | child | fds | fd", "needs a number"},
        {"- a | child | fds | fd three", "expected a number"},
        {"- a | child | fds | fd 99999999999", "out of range"},
        {"- a | child | fds | verdict", "sync tab, not fds"},
        {"- a | child | sync | verdict now", "takes nothing"},
        {"- a | child | sync | semaphore lesson", "starts with '/'"},
        {"- a | child | sync | fork: verdict; fork: semaphore", "same method"},
        {"- a | child | sync | fork: verdict; spawn: verdict; forkserver: verdict; fork: verdict",
         "more than three"},
        {"- a | child | sync | ", "unknown tab"},
        {"- a | child | sync | fork: ", "unknown row"},
        {"- a | child | fds | " + std::string(600, 'x'), "longer than"},
    };
    for (const Bad& b : bad) {
        CAPTURE(b.line);
        std::string why;
        CHECK(!parseFocusLine(b.line, &why));
        CHECK_THAT(why, Catch::Contains(b.reason));
    }
}

TEST_CASE("every shipped lesson's focus parses without a problem and the lessons that are about "
          "a row declare it",
          "[focus][lessons]") {
    size_t withRows = 0;
    for (const Lesson& l : lessons()) {
        CAPTURE(l.id);
        std::string err;
        auto n = loadNarration(l.id, &err);
        REQUIRE(n);
        CHECK(n->problems.empty());
        bool any = false;
        for (auto& [label, f] : n->focus)
            for (auto& r : f.rows) any |= bool(r);
        withRows += any;
    }
    CHECK(withRows >= 8);
    // One of each kind: the fd exec closed, a ledger row, a verdict, a child's output line.
    auto has = [](const char* id, FocusRow::Kind kind) {
        auto n = loadNarration(id);
        if (!n) return false;
        for (auto& [label, f] : n->focus)
            for (auto& r : f.rows)
                if (r.kind == kind) return true;
        return false;
    };
    CHECK(has("fd-inheritance", FocusRow::Kind::Fd));
    CHECK(has("semaphore-tracker", FocusRow::Kind::Semaphore));
    CHECK(has("mutex-after-fork", FocusRow::Kind::Verdict));
    CHECK(has("global-state", FocusRow::Kind::Output));
}

TEST_CASE("a lesson file with a malformed focus line loads, reports the line and keeps the rest",
          "[focus][lessons]") {
    char tmpl[] = "/tmp/forklab-focus-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    const std::string dir = tmpl;
    std::filesystem::create_directories(dir + "/lessons");
    std::ofstream(dir + "/lessons/global-state.md")
        << "# A title\n\nintro\n\n## focus\nprose\n"
        << "- the parent set Test.value = 999 | parent | output | output Test\n"
        << "- the child reads Test.value | child | output | fd 3\n"
        << "- the parent has joined its child | child\n";
    const char* old = getenv("FORKLAB_ASSETS");
    const std::string saved = old ? old : "";
    setenv("FORKLAB_ASSETS", dir.c_str(), 1);
    auto n = loadNarration("global-state");
    if (old)
        setenv("FORKLAB_ASSETS", saved.c_str(), 1);
    else
        unsetenv("FORKLAB_ASSETS");
    std::filesystem::remove_all(dir);
    REQUIRE(n);
    CHECK(n->focus.size() == 1);
    CHECK(n->focus.count("the parent set Test.value = 999") == 1);
    REQUIRE(n->problems.size() == 2);
    CHECK_THAT(n->problems[0], Catch::Contains("the child reads Test.value") &&
                                   Catch::Contains("fds tab, not output") &&
                                   Catch::Contains("ignored"));
    CHECK_THAT(n->problems[1], Catch::Contains("fields"));
    CHECK(!std::filesystem::exists(dir)); // nothing left in /tmp
}
