#include "Threads.hpp"

#include "ProcStatus.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace forklab {

namespace {

// Leader first, then by tid.
void sortLeaderFirst(std::vector<pid_t>& tids, pid_t pid) {
    std::sort(tids.begin(), tids.end(), [pid](pid_t a, pid_t b) {
        if ((a == pid) != (b == pid)) return a == pid;
        return a < b;
    });
}

} // namespace

SyscallState parseSyscallLine(const std::string& line) {
    SyscallState s;
    std::string_view rest(line);
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) rest.remove_suffix(1);
    if (rest == "running") {
        s.running = true;
        return s;
    }
    auto next = [&rest]() {
        size_t b = rest.find_first_not_of(' ');
        if (b == std::string_view::npos) return std::string_view();
        rest.remove_prefix(b);
        size_t e = rest.find(' ');
        std::string_view tok = rest.substr(0, e);
        rest.remove_prefix(e == std::string_view::npos ? rest.size() : e);
        return tok;
    };
    std::string_view tok = next();
    long nr = -1;
    auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), nr);
    if (ec != std::errc() || end != tok.data() + tok.size() || nr < 0) return s;
    // "nr a0..a5 sp pc"; for "-1 sp pc" (not in a syscall) there are no arguments to keep.
    std::array<uint64_t, 6> args{};
    for (auto& a : args) {
        tok = next();
        if (tok.starts_with("0x")) tok.remove_prefix(2);
        auto [e2, ec2] = std::from_chars(tok.data(), tok.data() + tok.size(), a, 16);
        if (ec2 != std::errc() || e2 != tok.data() + tok.size()) return s; // malformed
    }
    s.nr = nr;
    s.args = args;
    return s;
}

char parseStatState(const std::string& stat) {
    // comm may itself contain ") ": the state follows the *last* ')'.
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) return '?';
    size_t i = stat.find_first_not_of(' ', paren + 1);
    return i == std::string::npos ? '?' : stat[i];
}

std::vector<pid_t> listThreads(const ProcDir& dir) {
    std::vector<pid_t> tids;
    if (auto n = dir.listNumbers("task")) tids.assign(n->begin(), n->end());
    sortLeaderFirst(tids, dir.pid());
    return tids;
}

std::vector<ThreadState> readThreads(const ProcDir& dir, bool* partial) {
    std::vector<ThreadState> out;
    auto listed = dir.listNumbers("task");
    if (!listed) {
        if (partial) *partial = true;
        return out;
    }
    std::vector<pid_t> tids(listed->begin(), listed->end());
    sortLeaderFirst(tids, dir.pid());
    for (pid_t tid : tids) {
        std::string base = "task/" + std::to_string(tid) + "/";
        auto stat = dir.readShown((base + "stat").c_str());
        if (!stat) {
            if (partial) *partial = true; // the thread exited since the listing
            continue;
        }
        ThreadState t;
        t.tid = tid;
        t.nstid = tid;
        t.state = parseStatState(*stat);
        auto wchan = dir.readShown((base + "wchan").c_str());
        auto sys = dir.readShown((base + "syscall").c_str());
        auto status = dir.readShown((base + "status").c_str());
        auto st = status ? parseProcStatus(*status) : std::nullopt;
        // A zombie is in no syscall, and its syscall file needs ptrace rights over the dead
        // (root's): not having it leaves nothing unknown.
        bool zombie = t.state == 'Z';
        if (!wchan || (!sys && !zombie) || !st) {
            if (partial) *partial = true;
        }
        if (wchan) t.wchan = *wchan;
        if (sys) t.syscall = parseSyscallLine(*sys);
        if (st && !st->nspid.empty()) t.nstid = st->nspid.back();
        out.push_back(std::move(t));
    }
    return out;
}

} // namespace forklab
