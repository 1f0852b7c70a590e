// The CPython version matrix in the terminal: `forklab list --pythons` shows every interpreter
// found; `forklab run ID --method M --python-all` plays a python-* lesson under each, one story
// per version, then a table of the facts that depend on the version, read from each recording.
#include "Commands.hpp"
#include "StoryPrinter.hpp"

#include "core/lessons/Catalogue.hpp"
#include "core/lessons/Pythons.hpp"
#include "core/lessons/VersionFacts.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

namespace forklab::cli {
namespace {

void printRejected(const PythonSearch& s) {
    for (auto& why : s.rejected) printf("  left out: %s\n", why.c_str());
}

// A column no wider than `width`, padded.
std::string cell(const std::string& s, size_t width) {
    // Count code points, not bytes, so "—" and "…" pad right.
    size_t shown = 0;
    for (unsigned char c : s) shown += (c & 0xC0) != 0x80;
    return s + std::string(shown < width ? width - shown : 1, ' ');
}

} // namespace

int listPythons(const std::vector<std::string>& requests) {
    PythonSearch s = findPythons(requests);
    if (s.found.empty()) printf("No CPython 3.8 or newer found.\n");
    for (auto& py : s.found) {
        printf("CPython %-9s %s", py.version.c_str(), py.path.c_str());
        if (py.asked != py.path) printf("   (found as %s)", py.asked.c_str());
        printf("\n");
    }
    printRejected(s);
    printf("\nRun a python-* lesson under each: forklab run ID --method M --python-all\n");
    return 0;
}

int runPythonAll(const std::string& id, const std::string& method, const std::string& variant,
                 bool quiet, const std::vector<std::string>& requests) {
    const Lesson* lesson = findLesson(id);
    if (!lesson) {
        std::cerr << "forklab: no lesson '" << id << "' (see `forklab list`)\n";
        return kExitUsage;
    }
    if (!lesson->python()) {
        std::cerr << "forklab: --python-all is for the python-* lessons; '" << id
                  << "' is forklab's own C++ program\n";
        return kExitUsage;
    }
    auto m = parseStartMethod(method);
    if (!m) {
        std::cerr << "forklab: --method must be fork, spawn or forkserver (got '" << method
                  << "')\n";
        return kExitUsage;
    }
    PythonSearch s = findPythons(requests);
    if (s.found.empty()) {
        std::cerr << "forklab: no CPython 3.8 or newer found (PATH, python3.X, pyenv, --python)\n";
        return kExitNotFound;
    }
    std::cout << "━━ " << lesson->title << " — under " << method
              << (variant.empty() ? "" : " (" + variant + ")") << ", on " << s.found.size()
              << " CPython interpreter" << (s.found.size() == 1 ? "" : "s") << " ━━\n";
    struct Column {
        std::string version;
        int code = 0;
        std::vector<VersionFact> facts;
    };
    std::vector<Column> columns;
    int worst = 0;
    for (auto& py : s.found) {
        std::cout << "\n── CPython " << py.version << " (" << py.path << ") ──\n";
        choosePython(py.path);
        auto trace = std::make_unique<Trace>();
        LessonTelling how;
        how.narrate = false;
        how.keep = trace.get();
        int code = runLesson(id, method, variant, false, quiet, "", how);
        if (code == kExitUsage) return code;
        columns.push_back({py.version, code, observeVersionFacts(*trace)});
        if (code && !worst) worst = code;
    }
    // The table: one row per fact, one column per interpreter.
    std::cout << "\n━━ What differs between the versions (observed in these runs) ━━\n";
    const size_t nameW = 48, colW = 20;
    std::cout << cell("", nameW);
    for (auto& c : columns) std::cout << cell(c.version, colW);
    std::cout << '\n' << cell("exit status", nameW);
    for (auto& c : columns) std::cout << cell(std::to_string(c.code), colW);
    std::cout << '\n';
    for (size_t i = 0; !columns.empty() && i < columns[0].facts.size(); ++i) {
        bool differs = false;
        for (auto& c : columns) differs |= c.facts[i].value != columns[0].facts[i].value;
        std::cout << cell(columns[0].facts[i].name + (differs ? " *" : ""), nameW);
        if (!differs) { // one value for every version
            std::cout << "all: " << columns[0].facts[i].value << '\n';
            continue;
        }
        // Long values go below the row, one per interpreter.
        bool longValues = false;
        for (auto& c : columns) longValues |= c.facts[i].value.size() >= colW;
        if (!longValues) {
            for (auto& c : columns) std::cout << cell(c.facts[i].value, colW);
            std::cout << '\n';
            continue;
        }
        std::cout << '\n';
        for (auto& c : columns)
            std::cout << "    " << cell(c.version, 10) << c.facts[i].value << '\n';
    }
    std::cout << "(* differs between the versions)\n\nDocumented, not observed on this machine:\n";
    for (auto& d : documentedVersionFacts())
        std::cout << "  " << d.name << ": " << d.value << "  [" << d.source << "]\n";
    printRejected(s);
    return worst;
}

} // namespace forklab::cli
