#include "LaunchForms.hpp"

#include <charconv>

namespace forklab {
namespace {

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// Consumes `prefix` from the front of `s`.
bool take(std::string_view& s, std::string_view prefix) {
    if (s.substr(0, prefix.size()) != prefix) return false;
    s.remove_prefix(prefix.size());
    return true;
}

// A descriptor number as Python's %d writes one: 1 to 10 digits that fit an int. from_chars
// reports overflow instead of throwing, and the digit limit keeps the scan short.
bool takeFd(std::string_view& s, int* out) {
    size_t n = 0;
    while (n < s.size() && n <= 10 && isDigit(s[n])) ++n;
    if (n == 0 || n > 10) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + n, *out);
    if (ec != std::errc() || end != s.data() + n) return false;
    s.remove_prefix(n);
    return true;
}

// A Python repr of a list or dict of str / int / None / bool values (what %r makes of the
// preload list and the keyword dict): brackets balanced outside quotes, quotes closed, and
// outside quotes only what such a repr contains. Iterative, nesting at most kMaxDepth deep.
bool takeReprOf(std::string_view& s, char open) {
    constexpr size_t kMaxDepth = 16;
    if (s.empty() || s[0] != open) return false;
    std::string closers;
    size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (c == '\'' || c == '"') {
            size_t j = i + 1;
            while (j < s.size() && s[j] != c) j += s[j] == '\\' ? 2 : 1;
            if (j >= s.size()) return false; // unterminated string
            i = j + 1;
            continue;
        }
        if (c == '[' || c == '{') {
            if (closers.size() == kMaxDepth) return false;
            closers.push_back(c == '[' ? ']' : '}');
        } else if (c == ']' || c == '}') {
            if (closers.empty() || closers.back() != c) return false;
            closers.pop_back();
            if (closers.empty()) {
                s.remove_prefix(i + 1);
                return true;
            }
        } else if (!(isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                     c == ' ' || c == ',' || c == ':' || c == '-' || c == '.')) {
            return false;
        }
        ++i;
    }
    return false; // not closed
}

CPythonLaunch forkserver(std::string_view s) {
    CPythonLaunch l;
    if (!take(s, "from multiprocessing.forkserver import main; main(") || !takeFd(s, &l.fds[0]) ||
        !take(s, ", ") || !takeFd(s, &l.fds[1]) || !take(s, ", ") || !takeReprOf(s, '[') ||
        !take(s, ", **") || !takeReprOf(s, '{') || s != ")")
        return {};
    l.kind = CPythonLaunchKind::Forkserver;
    return l;
}

CPythonLaunch tracker(std::string_view s) {
    CPythonLaunch l;
    if (!take(s, "from multiprocessing.resource_tracker import main;main(") ||
        !takeFd(s, &l.fds[0]) || s != ")")
        return {};
    l.kind = CPythonLaunchKind::ResourceTracker;
    return l;
}

CPythonLaunch spawnChild(std::string_view s) {
    CPythonLaunch l;
    if (!take(s, "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=") ||
        !takeFd(s, &l.fds[0]) || !take(s, ", pipe_handle=") || !takeFd(s, &l.fds[1]) || s != ")")
        return {};
    l.kind = CPythonLaunchKind::SpawnChild;
    return l;
}

// One of the options _args_from_interpreter_flags() writes before -c: -W<opt> and -X <opt>
// (either glued or as two elements), or a group of the flags it can set. Returns how many argv
// elements it takes, 0 if it is not such an option (e.g. -m, or a group that holds c).
size_t optionAt(const std::vector<std::string>& argv, size_t i) {
    std::string_view a = argv[i];
    if (a == "-W" || a == "-X") return i + 1 < argv.size() ? 2 : 0;
    if (a.size() > 2 && (a.substr(0, 2) == "-W" || a.substr(0, 2) == "-X")) return 1;
    if (a.size() < 2 || a[0] != '-') return 0;
    for (char c : a.substr(1))
        if (std::string_view("bBdEIOPqsSuvR").find(c) == std::string_view::npos) return 0;
    return 1;
}

} // namespace

bool isCPythonExecutable(std::string_view exePath) {
    size_t slash = exePath.rfind('/');
    std::string_view name = slash == std::string_view::npos ? exePath : exePath.substr(slash + 1);
    if (!take(name, "python")) return false;
    if (take(name, "3") && take(name, ".")) {
        size_t n = 0;
        while (n < name.size() && isDigit(name[n])) ++n;
        if (n == 0 || n > 3) return false;
        name.remove_prefix(n);
    }
    if (name.size() > 2) return false;
    for (char c : name)
        if (c != 'd' && c != 'm' && c != 't') return false;
    return true;
}

CPythonLaunch recogniseCPythonLaunch(std::string_view exePath,
                                     const std::vector<std::string>& argv) {
    if (!isCPythonExecutable(exePath)) return {};
    size_t i = 1;
    while (i < argv.size() && argv[i] != "-c") {
        size_t n = optionAt(argv, i);
        if (n == 0) return {};
        i += n;
    }
    if (i + 1 >= argv.size()) return {}; // no -c PROGRAM
    const std::string_view program = argv[i + 1];
    const size_t rest = argv.size() - (i + 2); // elements after the program
    if (rest == 0) {
        if (auto l = forkserver(program); l.kind != CPythonLaunchKind::None) return l;
        return tracker(program);
    }
    if (rest == 1 && argv.back() == "--multiprocessing-fork") return spawnChild(program);
    return {};
}

} // namespace forklab
