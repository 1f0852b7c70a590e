#pragma once
// The rows the lessons declare in their "## focus" sections (the optional fourth field), read
// from the files here, independently of forklab's parser, and the check that a state dump points
// at that row with the observed fact in it: the fd the trace shows closed at exec, the semaphore
// its creator made, the verdict on the step's process, the line it wrote.
#include "XvfbRunner.hpp"

#include <array>
#include <map>
#include <sstream>
#include <string>

namespace forklab::guitest {

// lesson id -> step label -> the row's words under each method (fork, spawn, forkserver).
using DeclaredRows = std::map<std::string, std::map<std::string, std::array<std::string, 3>>>;

inline std::string trimmed(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

inline int methodIndex(const std::string& m) {
    return m == "fork" ? 0 : m == "spawn" ? 1 : 2;
}

inline DeclaredRows declaredRows(const std::string& lessonsDir) {
    DeclaredRows all;
    for (auto& e : std::filesystem::directory_iterator(lessonsDir)) {
        if (e.path().extension() != ".md") continue;
        std::ifstream in(e.path());
        bool focus = false;
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("## ", 0) == 0) focus = line == "## focus";
            if (!focus || line.rfind("- ", 0) != 0) continue;
            std::vector<std::string> fields;
            for (size_t at = 2;;) {
                const size_t bar = line.find(" | ", at);
                fields.push_back(trimmed(line.substr(at, bar - at)));
                if (bar == std::string::npos) break;
                at = bar + 3;
            }
            if (fields.size() != 4) continue;
            std::array<std::string, 3> rows;
            for (size_t at = 0; at <= fields[3].size();) {
                const size_t semi = std::min(fields[3].find(';', at), fields[3].size());
                std::string alt = trimmed(fields[3].substr(at, semi - at));
                at = semi + 1;
                bool on[3] = {true, true, true};
                const size_t colon = alt.find(':');
                if (colon != std::string::npos) {
                    // "fork:" or "spawn, forkserver:" (else the ':' is the row's own text)
                    bool names[3] = {false, false, false}, methods = true;
                    std::stringstream list(alt.substr(0, colon));
                    for (std::string name; std::getline(list, name, ',');) {
                        name = trimmed(name);
                        if (name != "fork" && name != "spawn" && name != "forkserver")
                            methods = false;
                        else
                            names[methodIndex(name)] = true;
                    }
                    if (methods) {
                        std::copy(names, names + 3, on);
                        alt = trimmed(alt.substr(colon + 1));
                    }
                }
                for (int m = 0; m < 3; ++m)
                    if (on[m]) rows[size_t(m)] = alt;
            }
            all[e.path().stem().string()][fields[0]] = rows;
        }
    }
    return all;
}

// Checks the dumped pane at a step whose declared row is `words`: the focus names it, and
// unless it is held back (the question still open) it is found, in view, and says the observed
// fact. Returns whether it was found.
inline bool checkFocusRow(const json& p, const std::string& lesson, const std::string& method,
                          const std::string& words) {
    const json& f = p["focus"];
    CAPTURE(words, f.dump());
    REQUIRE(f.contains("row"));
    CHECK(f["row"] == words);
    if (f.value("row_held", false)) {
        // Pointed at only after the reveal: nothing of it is in the dump before.
        CHECK(p["spoilers"]["pending"] == true);
        CHECK(f["row_found"] == false);
        CHECK(f["row_items"].empty());
        return false;
    }
    CHECK(f["row_found"] == true);
    CHECK(f["row_in_view"] == true);
    const json& items = f["row_items"];
    REQUIRE(!items.empty());
    const std::string kind = words.substr(0, words.find(' '));
    if (kind == "fd") {
        // The fd view shows the step's process, and each row pointed at is one of its table's,
        // with the status the trace gives it.
        CHECK(p["fds"]["pid"] == f["pid"]);
        for (auto& it : items) {
            CAPTURE(it.dump());
            const json* row = fd(p, it["fd"].get<int>(), it["status"].get<std::string>());
            REQUIRE(row);
            CHECK((*row)["target"] == it["target"]);
            if (words == "fd closed-by-exec") CHECK(it["status"] == "closed_by_exec");
            if (words.rfind("fd /", 0) == 0) CHECK(it["target"] == words.substr(3));
        }
        if (words == "fd closed-by-exec")
            CHECK(p["fds"]["closed_by_exec"].get<size_t>() == items.size());
        if (lesson == "fd-inheritance") {
            // The file the scenario opened with O_CLOEXEC: closed by exec under spawn, still open
            // in the fork child (no exec happened).
            bool hostname = false;
            for (auto& it : items)
                if (it["target"] == "/etc/hostname") {
                    hostname = true;
                    CHECK(it["cloexec"] == true);
                    CHECK(it["status"] == (method == "fork" ? "open" : "closed_by_exec"));
                }
            CHECK(hostname);
        }
    } else if (kind == "semaphore") {
        for (auto& it : items) {
            CAPTURE(it.dump());
            bool listed = false;
            for (auto& s : p["semaphores"])
                listed |= s["name"] == it["name"] && s["creator"] == it["creator"];
            CHECK(listed);
            if (words == "semaphore") CHECK(it["creator"] == f["pid"]); // made by the step's
            if (p["spoilers"]["pending"] == true) CHECK(it["leaked"] == "?");
        }
    } else if (kind == "verdict") {
        for (auto& it : items) {
            CAPTURE(it.dump());
            CHECK(it["pid"] == f["pid"]);
            bool listed = false;
            for (auto& d : p["deadlocks"]) listed |= d["pid"] == it["pid"] && d["tid"] == it["tid"];
            CHECK(listed);
        }
    } else if (kind == "output") {
        REQUIRE(items.size() == 1);
        const std::string text = items[0]["text"];
        CHECK(p["selected"] == f["pid"]);
        bool shown = false;
        for (auto& l : p["output"]) shown |= l["text"] == text;
        CHECK(shown);
        if (words.size() > 7) CHECK_THAT(text, Catch::Contains(words.substr(7)));
        // The seed's Test.value: the fork child printed the parent's 999, the others 777.
        if (lesson == "global-state" || lesson == "python-test-value")
            CHECK_THAT(text, Catch::Contains(method == "fork" ? "999" : "777"));
    } else {
        FAIL("unknown row kind " << kind);
    }
    return true;
}

} // namespace forklab::guitest
