#include "Story.hpp"
#include "core/base/HexBytes.hpp"
#include "core/base/Text.hpp"

#include "Names.hpp"
#include "PipeWrites.hpp"
#include "Refusal.hpp"
#include "Roles.hpp"
#include "StackText.hpp"
#include "World.hpp"
#include "core/probe/Deadlock.hpp"

#include <cstdio>
#include <set>

namespace forklab {
namespace {

std::string joinArgv(std::string_view nulSeparated) {
    std::string out;
    for (char c : nulSeparated) out += c == '\0' ? ' ' : c;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string isolationText(uint16_t f) {
    if (!(f & (kIsoPidNs | kIsoMountNs)))
        return "no namespaces: the host's /dev/shm and /tmp (forklab removes nothing there)";
    std::string s;
    auto add = [&](const char* w) { s += s.empty() ? w : std::string("+") + w; };
    if (f & kIsoUserNs) add("user");
    if (f & kIsoPidNs) add("pid");
    if (f & kIsoIpcNs) add("ipc");
    if (f & kIsoMountNs) add("mount");
    if (f & kIsoNetNs) add("net");
    s += " namespaces";
    if (f & kIsoReadOnlyRoot) s += ", read-only host files";
    if (f & kIsoPrivateTmp) s += ", private /tmp";
    if (f & kIsoPrivateShm) s += ", private /dev/shm";
    if (f & kIsoLockedMounts) s += " (locked)";
    return s;
}

std::string endText(const ev::RunEnd& d) {
    const char* why = d.reason == EndReason::AllExited ? "every process has exited"
                      : d.reason == EndReason::Grace
                          ? "the grace period after the root's exit ran out"
                      : d.reason == EndReason::Deadline ? "the deadline was reached"
                      : d.reason == EndReason::Stopped  ? "it was stopped"
                                                        : "the launch failed";
    return std::string("run ended: ") + why + "; exit code " + std::to_string(d.exitCode);
}

std::string idsText(const ev::RunStart& d) {
    if (d.uid == kNoId) return "";
    return "; runs as uid " + std::to_string(d.uid) + " gid " + std::to_string(d.gid);
}

} // namespace

std::string Story::who(pid_t pid) const {
    auto it = names_.find(pid);
    std::string s = std::to_string(pid);
    if (it != names_.end() && !it->second.empty()) s += " " + it->second;
    auto r = roles_.find(pid);
    if (r != roles_.end() && r->second != Role::Program && r->second != Role::Sandbox)
        s += " " + roleTag(r->second).substr(0, roleTag(r->second).size() - 1);
    return s;
}

std::string Story::fdList(SnapId snap, const char* sep) const {
    if (snap == kNoSnap) return "?";
    const ProcessSnapshot& s = trace_.snapshot(snap);
    std::string out;
    for (auto& f : s.fds) {
        if (!out.empty()) out += sep;
        out += std::to_string(f.fd) + " " + f.target + (f.cloexec ? " (CLOEXEC)" : "");
    }
    return out.empty() ? "none" : out;
}

namespace {

std::string stamp(const Event& e) {
    char ts[32];
    snprintf(ts, sizeof ts, "[%8.3f] ", double(e.t) / 1e9);
    return ts;
}

// Which process's block a line belongs to (StoryRepeats): a fork's line is its child's.
pid_t lineAbout(const Event& e) {
    if (auto* f = e.get<ev::Fork>(); f && f->how != ForkKind::Thread) return f->child;
    if (e.kind == EventKind::Leak || e.kind == EventKind::RunStart || e.kind == EventKind::RunEnd)
        return 0;
    return e.pid;
}

} // namespace

void Story::line(std::ostream& out, const Event& e, const std::string& text) {
    repeats_.line(out, lineAbout(e), stamp(e), text);
}

void Story::feed(size_t upto, std::ostream& out) {
    upto = std::min(upto, trace_.size());
    for (; told_ < upto; ++told_) {
        const Event& e = trace_[told_];
        switch (e.kind) {
        case EventKind::RunStart: {
            auto& d = e.as<ev::RunStart>();
            line(out, e, "forklab runs: " + std::string(trace_.str(d.command)));
            line(out, e,
                 "sandbox: " + isolationText(d.isolation) + "; at most " +
                     std::to_string(d.maxProcs) + " tasks" +
                     (d.isolation & kIsoPidsCgroup   ? " (pids cgroup)"
                      : d.isolation & kIsoTaskRlimit ? " (RLIMIT_NPROC in its user namespace)"
                                                     : " (enforced at fork)") +
                     (d.deadlineMs > 0 ? "; deadline " + std::to_string(d.deadlineMs / 1000) + " s"
                                       : std::string("; no deadline")) +
                     (d.stopSnapshots ? "" : "; no fd tables read at fork/exec/exit stops") +
                     idsText(d));
            break;
        }
        case EventKind::Proc: {
            auto& d = e.as<ev::Proc>();
            names_[e.pid] = std::string(trace_.str(d.name));
            nspids_[e.pid] = d.nspid;
            repeats_.setNspid(e.pid, d.nspid);
            roles_[e.pid] = d.role;
            if (d.role == Role::Sandbox) sandbox_.insert(e.pid);
            if (sandbox_.count(d.parent)) setUpPending_.insert(e.pid);
            if (d.role == Role::Sandbox)
                line(out, e,
                     who(e.pid) + ": forklab's launcher and reaper (role sandbox" +
                         (d.nspid != e.pid ? ", pid " + std::to_string(d.nspid) + " inside" : "") +
                         ")");
            else if (d.nspid != e.pid)
                line(out, e,
                     "  " + who(e.pid) + " is pid " + std::to_string(d.nspid) +
                         " inside the sandbox");
            break;
        }
        case EventKind::Fork: {
            auto& d = e.as<ev::Fork>();
            if (d.how != ForkKind::Thread) {
                repeats_.forked(e.pid, out);
                repeats_.open(d.child, e.pid);
            }
            if (d.how == ForkKind::Thread)
                line(out, e, who(e.pid) + " started thread " + std::to_string(d.child));
            else
                line(out, e,
                     who(e.pid) +
                         (d.how == ForkKind::Vfork ? " vforked (or posix_spawned) " : " forked ") +
                         std::to_string(d.child));
            break;
        }
        case EventKind::Snapshot: {
            auto& d = e.as<ev::Snapshot>();
            if (d.reason == SnapReason::Fork && setUpPending_.count(e.pid))
                line(out, e,
                     "  " + who(e.pid) +
                         " is forklab's launcher until its exec, which sets up its fds; now: " +
                         fdList(d.snap));
            else if (d.reason == SnapReason::Fork)
                line(out, e, "  " + who(e.pid) + " inherited: " + fdList(d.snap));
            break;
        }
        case EventKind::Exec: {
            auto& d = e.as<ev::Exec>();
            std::string path(trace_.str(d.path));
            std::string_view exe = trace_.str(d.exe);
            names_[e.pid] = processNameOfArgv(trace_.str(d.argv), path);
            roles_[e.pid] = d.role;
            line(out, e,
                 who(e.pid) + " exec " + path + "  (argv: " + joinArgv(trace_.str(d.argv)) + ")" +
                     (!exe.empty() && exe != path ? "  [runs " + std::string(exe) + "]"
                                                  : std::string()) +
                     (d.role == Role::Program || d.role == Role::Sandbox
                          ? std::string()
                          : std::string("  → recognised as the ") + toString(d.role)));
            if (d.before != kNoSnap && d.after != kNoSnap) {
                const auto& before = trace_.snapshot(d.before);
                const auto& after = trace_.snapshot(d.after);
                std::string closed, kept;
                for (auto& f : before.fds) {
                    const FdEntry* a = after.findFd(f.fd);
                    std::string item = std::to_string(f.fd) + " " + f.target;
                    if (a)
                        kept += (kept.empty() ? "" : ", ") + item;
                    else
                        closed +=
                            (closed.empty() ? "" : ", ") + item + (f.cloexec ? " (CLOEXEC)" : "");
                }
                // The first process's first exec: what it keeps is what forklab set up for it.
                line(out, e,
                     std::string(setUpPending_.erase(e.pid) ? "  set up by forklab: "
                                                            : "  kept across exec: ") +
                         (kept.empty() ? "none" : kept));
                if (!closed.empty()) line(out, e, "  closed by exec: " + closed);
            }
            break;
        }
        case EventKind::Exit: {
            auto& d = e.as<ev::Exit>();
            repeats_.parentEnded(e.pid, out); // its children's repeats before its end
            if (!(nspids_.count(e.pid) && sandbox_.count(e.pid))) // else forklab's own plumbing
                line(out, e, who(e.pid) + " " + d.status.describe());
            repeats_.close(e.pid, stamp(e), out);
            break;
        }
        case EventKind::Output: {
            auto& d = e.as<ev::Output>();
            std::string stream = d.fd == 1   ? "stdout"
                                 : d.fd == 2 ? "stderr"
                                             : "fd " + std::to_string(d.fd);
            if (d.notKept) {
                line(out, e,
                     who(e.pid) + " wrote " + std::to_string(d.notKept) + " more bytes to " +
                         stream + ", not kept (the run's output cap was reached)");
                break;
            }
            // An unbuffered writer (print under PYTHONUNBUFFERED) writes a line in pieces: the
            // pieces that follow at once are told as the one line they make.
            std::string text(trace_.str(d.text));
            bool truncated = d.truncated;
            while (!truncated && text.size() < 4096 && !text.empty() && text.back() != '\n' &&
                   told_ + 1 < upto) {
                const Event& n = trace_[told_ + 1];
                auto* more = n.get<ev::Output>();
                if (!more || n.pid != e.pid || more->fd != d.fd) break;
                text += trace_.str(more->text);
                truncated = more->truncated;
                ++told_;
            }
            line(out, e,
                 who(e.pid) + " wrote to " + stream + ": \"" + printable(text) +
                     (truncated ? "…(truncated)" : "") + "\"");
            break;
        }
        case EventKind::Deadlock: {
            auto& d = e.as<ev::Deadlock>();
            repeats_.release(e.pid, out);
            if (d.rule == uint8_t(DeadlockRule::OrphanedMutex))
                line(out, e,
                     "DEADLOCK (a) " + who(e.pid) + ": thread " + std::to_string(d.tid) +
                         " waits for mutex " + hex(d.addr) + " held by TID " +
                         std::to_string(d.ownerNsTid) +
                         ", which is not a thread of this process: the owner was left behind "
                         "at fork, and no thread here will unlock it");
            else
                line(out, e,
                     "DEADLOCK (b) " + who(e.pid) + ": its only thread " + std::to_string(d.tid) +
                         " waits without timeout on private futex " + hex(d.addr) +
                         ": no other thread exists that could wake it");
            line(out, e, "  evidence: " + std::string(trace_.str(d.evidence)));
            // Where the waiting thread is stuck, innermost first (absent from older traces).
            if (d.stack) line(out, e, "  stack: " + stackLine(unpackStack(trace_.str(d.stack))));
            break;
        }
        case EventKind::ShmCreate:
            line(out, e,
                 who(e.pid) + " created /dev/shm/" + std::string(trace_.str(e.as<ev::Shm>().name)));
            break;
        case EventKind::ShmUnlink:
            line(out, e,
                 who(e.pid) + " unlinked /dev/shm/" +
                     std::string(trace_.str(e.as<ev::Shm>().name)));
            break;
        case EventKind::Leak: {
            auto& d = e.as<ev::Leak>();
            line(out, e,
                 "LEAK: /dev/shm/" + std::string(trace_.str(d.name)) +
                     (d.creator ? " created by " + who(d.creator) : std::string()) +
                     " was never unlinked; " +
                     (d.removed ? "the sandbox removed it"
                                : "it is left in the host's /dev/shm (forklab removes only "
                                  "from the run's own tmpfs)"));
            break;
        }
        case EventKind::Kill: {
            auto& d = e.as<ev::Kill>();
            line(out, e,
                 who(e.pid) + " sent " + signalName(d.sig) + " to " +
                     (d.group ? "process group " + std::to_string(-d.target) : who(d.target)));
            break;
        }
        case EventKind::Marker: {
            auto& d = e.as<ev::Marker>();
            repeats_.release(e.pid, out);
            line(out, e,
                 std::string(d.key ? "── ★ key step: " : "── step: ") +
                     std::string(trace_.str(d.label)) + " (" + who(e.pid) + ") ──");
            if (onMarker) onMarker(e, out);
            break;
        }
        case EventKind::KilledBySandbox:
            repeats_.release(e.pid, out);
            line(out, e, "teardown: the sandbox kills " + who(e.pid));
            break;
        case EventKind::CloneRefused:
            repeats_.release(e.pid, out);
            line(out, e, "LIMIT: " + who(e.pid) + " " + refusalText(e.as<ev::CloneRefused>()));
            break;
        case EventKind::RunEnd:
            repeats_.flushAll(out);
            line(out, e, endText(e.as<ev::RunEnd>()));
            break;
        case EventKind::Annotation: {
            auto& d = e.as<ev::Annotation>();
            if (d.what == ev::NameOf::Mutex)
                line(out, e,
                     "  " + who(e.pid) + " calls the mutex at " + hex(d.value) + " \"" +
                         std::string(trace_.str(d.label)) + "\"");
            break;
        }
        case EventKind::PipeWrite: {
            // The bytes as the kernel took them from the writer's buffer (a reading of them,
            // e.g. pickletools', is printed apart from the story).
            auto& d = e.as<ev::PipeWrite>();
            const std::string kept = fromHexBytes(trace_.str(d.hex)).value_or(std::string());
            std::string text = "  " + who(e.pid) + " writes " + std::to_string(d.length) +
                               " bytes into fd " + std::to_string(d.fd) + " (" +
                               std::string(trace_.str(d.target)) + "): " + hexHead(kept);
            if (kept.size() < d.length)
                text += " (" + std::to_string(kept.size()) + " kept: the run's cap)";
            line(out, e, text);
            break;
        }
        case EventKind::ThreadExit:
            break;
        }
    }
}

void Story::summary(std::ostream& out) const {
    World w = World::at(trace_, trace_.size());
    out << "\nProcess tree:\n";
    std::set<pid_t> shown;
    // What a process is and how it ended, without its pid: equal labels of leaf siblings
    // collapse into one line with a count. The command line is shortened here (it is whole in
    // the events, the details and the exports).
    constexpr size_t kArgvShown = 120;
    auto label = [&](const ProcessView& p) {
        std::string s;
        s += roleTag(p.role);
        std::string cmd;
        if (!p.argv.empty()) {
            for (size_t i = 0; i < p.argv.size() && cmd.size() <= kArgvShown; ++i)
                cmd += (i ? " " : "") + p.argv[i];
        } else {
            cmd = p.name;
        }
        s += printable(cmd, kArgvShown); // argv may hold newlines and control bytes too
        if (p.how == ForkKind::Vfork) s += "  [vfork]";
        // The sandbox's own first process is ended by forklab at teardown: not a failure.
        if (!p.alive) s += "  — " + (p.role == Role::Sandbox ? "ended" : p.status.describe());
        if (p.killedBySandbox) s += " by the sandbox";
        if (!p.deadlocks.empty()) s += "  DEADLOCKED";
        return s;
    };
    auto describe = [&](const ProcessView& p) {
        std::string s = std::to_string(p.pid);
        if (p.nspid && p.nspid != p.pid) s += " (" + std::to_string(p.nspid) + " inside)";
        return s + " " + label(p);
    };
    // Depth first with an explicit stack (a fork chain is as deep as the program makes it);
    // below kMaxDepth levels a subtree is one line with its count, so the text stays linear in
    // the number of processes instead of growing with depth² indentation.
    constexpr int kMaxDepth = 64;
    struct Frame {
        const ProcessView* p;
        std::string prefix; // for its children's lines
        size_t next;        // its next child
        int depth;
    };
    std::vector<Frame> stack;
    std::vector<const ProcessView*> below;
    // Marks every not yet shown process below p as shown and counts them.
    auto countBelow = [&](const ProcessView& p) {
        int n = 0;
        below.assign(1, &p);
        while (!below.empty()) {
            const ProcessView* q = below.back();
            below.pop_back();
            for (pid_t c : q->children)
                if (const ProcessView* cp = w.find(c); cp && shown.insert(c).second) {
                    ++n;
                    below.push_back(cp);
                }
        }
        return n;
    };
    // Roots print flush left; their children get branches.
    for (pid_t r : w.roots) {
        const ProcessView* root = w.find(r);
        if (!root) continue;
        out << describe(*root) << '\n';
        shown.insert(r);
        stack.push_back({root, " ", 0, 0});
        while (!stack.empty()) {
            Frame& f = stack.back();
            if (f.next == f.p->children.size()) {
                stack.pop_back();
                continue;
            }
            const size_t i = f.next++;
            const ProcessView* p = w.find(f.p->children[i]);
            if (!p || !shown.insert(p->key).second) continue;
            // A run of childless siblings that look the same (2,000 × /bin/true) is one line.
            size_t same = 1;
            if (p->children.empty()) {
                const std::string mine = label(*p);
                while (f.next < f.p->children.size()) {
                    const ProcessView* q = w.find(f.p->children[f.next]);
                    if (!q || !q->children.empty() || shown.count(q->key) || label(*q) != mine)
                        break;
                    shown.insert(q->key);
                    ++f.next;
                    ++same;
                }
            }
            const bool last = f.next == f.p->children.size();
            if (same > 1) {
                out << f.prefix << (last ? "└─ " : "├─ ") << countText(int64_t(same)) << " × "
                    << label(*p) << "  (" << p->pid << " …)\n";
                continue;
            }
            out << f.prefix << (last ? "└─ " : "├─ ") << describe(*p) << '\n';
            std::string next = f.prefix + (last ? "   " : "│  ");
            const int depth = f.depth + 1;
            if (depth < kMaxDepth) {
                stack.push_back({p, std::move(next), 0, depth}); // f is not used after this
            } else if (int n = countBelow(*p)) {
                out << next << "└─ … " << n << (n == 1 ? " process" : " processes")
                    << " deeper than " << kMaxDepth << " levels, not shown\n";
            }
        }
    }
    int leaks = 0, left = 0;
    for (auto& s : w.shm) {
        leaks += s.leaked;
        left += s.leftOnHost;
    }
    if (leaks > left) out << leaks - left << " /dev/shm leak(s) reported and removed.\n";
    if (left) out << left << " /dev/shm leak(s) left in the host's /dev/shm (not removed).\n";
    // Why the run ended, also when only this summary is printed (-q): a deadline or grace
    // period that killed something is never silent.
    // A clone the task limit refused is never silent either.
    const ev::CloneRefused* refused = nullptr;
    int refusals = 0;
    pid_t firstRefused = 0;
    for (size_t i = 0; i < trace_.size(); ++i)
        if (auto* r = trace_[i].get<ev::CloneRefused>(); r && refusals++ == 0) {
            refused = r;
            firstRefused = trace_[i].pid;
        }
    if (refused) {
        const ProcessView* p = w.find(firstRefused);
        out << "LIMIT: " << refusalSummary(*refused, refusals) << "; the first: " << firstRefused
            << (p ? " " + p->name : std::string()) << ".\n";
    }
    if (trace_.size() && trace_[trace_.size() - 1].kind == EventKind::RunEnd) {
        auto& end = trace_[trace_.size() - 1].as<ev::RunEnd>();
        int killed = 0;
        for (size_t i = 0; i < trace_.size(); ++i)
            killed += trace_[i].kind == EventKind::KilledBySandbox;
        out << endText(end);
        if (killed)
            out << "; the sandbox killed " << killed << (killed == 1 ? " process" : " processes");
        out << ".\n";
    }
}

} // namespace forklab
