#include "Pythons.hpp"

#include "core/sandbox/Sandbox.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>
#include <unistd.h>

namespace forklab {
namespace fs = std::filesystem;

PyVersion parsePyVersion(const std::string& version) {
    PyVersion v;
    sscanf(version.c_str(), "%d.%d.%d", &v.major, &v.minor, &v.micro);
    return v;
}

namespace {

std::string pyenvRoot() {
    if (const char* r = getenv("PYENV_ROOT"); r && *r) return r;
    if (const char* home = getenv("HOME"); home && *home) return std::string(home) + "/.pyenv";
    return {};
}

// python3 and python3.X in every PATH directory, by file name (a shim directory included: the
// shim is asked, and answers with the interpreter it runs).
void pathCandidates(std::vector<std::string>& out) {
    out.push_back("python3");
    const char* path = getenv("PATH");
    if (!path) return;
    static const std::regex name(R"(python3\.[0-9]+)");
    std::set<std::string> names;
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::error_code ec;
        if (dir.empty()) continue;
        for (auto& e : fs::directory_iterator(dir, ec)) {
            std::string f = e.path().filename().string();
            if (std::regex_match(f, name)) names.insert(f);
        }
    }
    for (auto& n : names) out.push_back(n); // looked up on PATH, as a user typing it would get
}

void pyenvCandidates(std::vector<std::string>& out) {
    std::string root = pyenvRoot();
    if (root.empty()) return;
    std::error_code ec;
    std::vector<std::string> found;
    for (auto& d : fs::directory_iterator(root + "/versions", ec)) {
        fs::path p = d.path() / "bin" / "python3";
        if (access(p.c_str(), X_OK) == 0) found.push_back(p.string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
}

std::string realPath(const std::string& p) {
    char buf[PATH_MAX];
    return realpath(p.c_str(), buf) ? std::string(buf) : p;
}

} // namespace

PythonSearch findPythons(const std::vector<std::string>& requests) {
    std::vector<std::string> candidates(requests.begin(), requests.end());
    pathCandidates(candidates);
    pyenvCandidates(candidates);
    PythonSearch s;
    std::set<std::string> seenAsked, seenExe;
    for (auto& c : candidates) {
        if (!seenAsked.insert(c).second) continue;
        std::string why;
        auto py = findPython(c, &why);
        if (!py) {
            // A name on PATH that is an old interpreter is no news; a user's --python is.
            bool asked = std::find(requests.begin(), requests.end(), c) != requests.end();
            if (asked || c.find('/') != std::string::npos) s.rejected.push_back(why);
            continue;
        }
        if (!seenExe.insert(realPath(py->path)).second) continue;
        s.found.push_back(*py);
    }
    std::stable_sort(s.found.begin(), s.found.end(), [](auto& a, auto& b) {
        PyVersion x = parsePyVersion(a.version), y = parsePyVersion(b.version);
        return std::tie(x.major, x.minor, x.micro) < std::tie(y.major, y.minor, y.micro);
    });
    return s;
}

} // namespace forklab
