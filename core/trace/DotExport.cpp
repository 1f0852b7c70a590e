#include "DotExport.hpp"

#include "Roles.hpp"
#include "Steps.hpp"
#include "core/probe/Deadlock.hpp"

#include <algorithm>
#include <set>

namespace forklab {
namespace {

// Graphviz reads UTF-8; argv and names are bytes. Invalid sequences and control characters
// become '?' so one odd byte cannot make `dot` refuse the whole file.
std::string cleanUtf8(std::string_view s) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len && i + len <= s.size();
        for (size_t k = 1; ok && k < len; ++k)
            ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (!ok) {
            out += '?';
            ++i;
        } else if (len == 1 && (c < 0x20 || c == 0x7f)) {
            out += ' ';
            ++i;
        } else {
            out.append(s.substr(i, len));
            i += len;
        }
    }
    return out;
}

// Inside a "quoted" DOT string: \" and \\ (a lone backslash would start an escape like \N).
// Line breaks become DOT's \n (centred lines).
std::string quoted(std::string_view s) {
    std::string out = "\"";
    size_t start = 0;
    while (true) {
        size_t nl = s.find('\n', start);
        for (char c : cleanUtf8(s.substr(start, nl == std::string_view::npos ? nl : nl - start))) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        if (nl == std::string_view::npos) break;
        out += "\\n";
        start = nl + 1;
    }
    return out + "\"";
}

// Inside an HTML-like <label>: entities.
std::string html(std::string_view s) {
    std::string out;
    for (char c : cleanUtf8(s)) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string shorten(const std::string& s, size_t max) {
    if (s.size() <= max) return s;
    std::string cut = s.substr(0, max);
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
    if (!cut.empty() && static_cast<unsigned char>(cut.back()) >= 0xC0) cut.pop_back();
    return cut + "…";
}

// How a process started, which is what its colour says (DESIGN §7: the tree's colours).
struct Look {
    const char* what;
    const char* fill; // Okabe-Ito hues, lightened so black text stays readable
};
constexpr Look kFork{"fork", "#A6D8F5"};
constexpr Look kVfork{"vfork / posix_spawn", "#F6EF9A"};
// The role looks are named by the roles' one vocabulary (Roles.hpp).
const Look kSpawnChild{toString(Role::SpawnChild), "#8FD9C2"};
const Look kForkserver{toString(Role::Forkserver), "#F5CB73"};
const Look kForkserverChild{toString(Role::ForkserverChild), "#F9E0B0"};
const Look kTracker{toString(Role::Tracker), "#E8B6D3"};
const Look kSandbox{toString(Role::Sandbox), "#D9D9D9"};
constexpr const char* kDeadFill = "#FF8080";

Look lookOf(const ProcessView& p) {
    switch (p.role) {
    case Role::Sandbox:
        return kSandbox;
    case Role::SpawnChild:
        return kSpawnChild;
    case Role::Forkserver:
        return kForkserver;
    case Role::Tracker:
        return kTracker;
    case Role::ForkserverChild:
        return kForkserverChild;
    case Role::Program:
        break;
    }
    return p.how == ForkKind::Vfork ? kVfork : kFork;
}

std::string stateOf(const ProcessView& p) {
    std::string end = p.alive               ? std::string()
                      : p.killedBySandbox   ? "killed by sandbox"
                      : p.status.exited()   ? "exited " + std::to_string(p.status.exitCode())
                      : p.status.signaled() ? "killed by " + signalName(p.status.termSignal())
                                            : p.status.describe();
    if (!p.deadlocks.empty()) return end.empty() ? "DEADLOCKED" : "DEADLOCKED, then " + end;
    return end.empty() ? "running" : end;
}

} // namespace

std::optional<DotStep> resolveDotStep(const Trace& trace, const std::string& spec,
                                      std::string* error) {
    StepIndex steps = StepIndex::build(trace);
    const auto& list = steps.gotoSteps();
    // A trace without steps (nothing forked) still has a tree: "last" draws its end.
    if (list.empty() && (spec == "last" || spec.empty()))
        return DotStep{trace.size(), "the end of the trace (it has no steps)"};
    auto at = steps.resolve(spec.empty() ? "last" : spec, error);
    if (!at) return std::nullopt;
    const Event& e = trace[*at];
    size_t number = size_t(std::find(list.begin(), list.end(), *at) - list.begin()) + 1;
    std::string what;
    if (auto* m = e.get<ev::Marker>())
        what = std::string(m->key ? "★ " : "") + std::string(trace.str(m->label));
    else
        what = std::string(kindName(e)) + " by " + std::to_string(e.pid);
    return DotStep{settle(trace, *at), "step " + std::to_string(number) + " of " +
                                           std::to_string(list.size()) + ": " + what};
}

void writeDot(const Trace& trace, const World& w, const std::string& title, std::ostream& out) {
    const auto* start = trace.runStart();
    const std::string command = start ? std::string(trace.str(start->command)) : std::string();
    out << "digraph forklab {\n";
    // The title, the command and a legend of the colours, as one HTML-like table.
    out << "  graph [rankdir=TB, labelloc=t, fontname=\"Helvetica\", label=<<TABLE BORDER=\"0\" "
           "CELLSPACING=\"3\"><TR><TD COLSPAN=\"8\"><B>"
        << html(title) << "</B></TD></TR>";
    if (!command.empty())
        out << "<TR><TD COLSPAN=\"8\">" << html(shorten(command, 160)) << "</TD></TR>";
    out << "<TR>";
    for (const Look& l :
         {kFork, kVfork, kSpawnChild, kForkserver, kForkserverChild, kTracker, kSandbox})
        out << "<TD BGCOLOR=\"" << l.fill << "\">" << html(l.what) << "</TD>";
    out << "<TD BGCOLOR=\"" << kDeadFill << "\"><B>DEADLOCKED</B></TD></TR></TABLE>>];\n";
    out << "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n";
    out << "  edge [fontname=\"Helvetica\", fontsize=10];\n";

    // Depth first from the roots, so the file reads like the tree. An explicit stack: a fork
    // chain is as deep as the program makes it.
    std::vector<const ProcessView*> order;
    std::set<pid_t> seen;
    std::vector<pid_t> stack;
    auto walk = [&](pid_t start) {
        stack.push_back(start);
        while (!stack.empty()) {
            pid_t pid = stack.back();
            stack.pop_back();
            auto it = w.procs.find(pid);
            // World makes an empty entry for a parent it never saw: not a process, no node.
            if (it == w.procs.end() || it->second.key != pid || !seen.insert(pid).second) continue;
            order.push_back(&it->second);
            const auto& children = it->second.children;
            stack.insert(stack.end(), children.rbegin(), children.rend()); // first child on top
        }
    };
    for (pid_t r : w.roots) walk(r);
    for (auto& [pid, p] : w.procs) walk(pid);

    // A node per life: an earlier life of a reused pid (World's key below 0) is a node of its own.
    auto node = [](pid_t key) {
        return key >= 0 ? "p" + std::to_string(key) : "r" + std::to_string(-key);
    };
    for (const ProcessView* p : order) {
        std::string label = std::to_string(p->pid);
        if (p->nspid && p->nspid != p->pid)
            label += "  (pid " + std::to_string(p->nspid) + " inside)";
        label += "\n" + shorten(p->name.empty() ? "?" : p->name, 40);
        if (p->argv.size() > 1) {
            std::string args;
            for (size_t i = 1; i < p->argv.size(); ++i) args += (i > 1 ? " " : "") + p->argv[i];
            label += "\n" + shorten(args, 40);
        }
        Look look = lookOf(*p);
        label += "\n" + std::string(toString(p->role)) + " · " +
                 (p->how == ForkKind::Vfork ? "vfork / posix_spawn" : toString(p->how));
        label += "\n" + stateOf(*p);
        if (!p->deadlocks.empty()) {
            auto& d = trace[p->deadlocks.front()].as<ev::Deadlock>();
            label += d.rule == uint8_t(DeadlockRule::OrphanedMutex)
                         ? "\nits mutex's owner is not in this process"
                         : "\nnobody is left to wake it";
        }
        if (p->threads.size() > 1) label += "\n" + std::to_string(p->threads.size()) + " threads";
        std::string tooltip;
        for (auto& a : p->argv) tooltip += (tooltip.empty() ? "" : " ") + a;
        // The name is what it calls itself; the details say what the kernel ran.
        if (!p->exe.empty()) tooltip += "  [runs " + p->exe + "]";
        out << "  " << node(p->key) << " [label=" << quoted(label);
        if (!tooltip.empty()) out << ", tooltip=" << quoted(shorten(tooltip, 400));
        if (!p->deadlocks.empty()) {
            // Unmistakable, on a projector and in greyscale: red fill, thick red border, bold.
            out << ", fillcolor=\"" << kDeadFill
                << "\", color=\"red\", penwidth=4, fontcolor=\"#5A0000\", "
                   "fontname=\"Helvetica-Bold\", style=\"rounded,filled,bold\"";
        } else {
            out << ", fillcolor=\"" << look.fill << "\"";
            if (!p->alive) out << ", style=\"rounded,filled,dashed\", fontcolor=\"#333333\"";
        }
        out << "];\n";
    }
    for (const ProcessView* p : order) {
        auto parent = w.procs.find(p->parent);
        if (!p->parent || parent == w.procs.end() || !seen.count(p->parent)) continue;
        out << "  " << node(p->parent) << " -> " << node(p->key)
            << " [label=" << quoted(p->how == ForkKind::Vfork ? "vfork" : "fork")
            << (p->how == ForkKind::Vfork ? ", style=dashed" : "") << "];\n";
    }
    out << "}\n";
}

} // namespace forklab
