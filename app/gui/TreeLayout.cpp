// The tree view's layout (Model.hpp: layoutTree). Every walk over the tree uses an explicit
// stack: a fork chain is as deep as the observed program makes it, and the GUI thread's stack
// is not.
#include "app/gui/Model.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace forklab::gui {
namespace {

// Of one process's subtree: how many descendants, and whether it and all of them have exited.
struct Subtree {
    int descendants = 0;
    bool allExited = true;
};

// Every process's Subtree, bottom-up in one pass over the forest below the roots. A pid met a
// second time (reused, so listed under two parents) is counted under the first only.
std::unordered_map<pid_t, Subtree> subtrees(const World& w) {
    std::unordered_map<pid_t, Subtree> out;
    std::vector<std::pair<const ProcessView*, size_t>> stack; // a process, its next child
    auto enter = [&](const ProcessView* p) {
        if (p && p->pid && out.emplace(p->pid, Subtree{0, !p->alive}).second)
            stack.push_back({p, 0});
    };
    for (pid_t r : w.roots) {
        enter(w.find(r));
        while (!stack.empty()) {
            auto& [p, next] = stack.back();
            if (next < p->children.size()) {
                enter(w.find(p->children[next++]));
                continue;
            }
            const Subtree done = out[p->pid];
            stack.pop_back();
            if (stack.empty()) continue;
            Subtree& parent = out[stack.back().first->pid];
            parent.descendants += 1 + done.descendants;
            parent.allExited = parent.allExited && done.allExited;
        }
    }
    return out;
}

// Identical siblings among one parent's children: which child starts a group, and which are
// folded into one. Only childless processes group (a subtree is never hidden by it).
struct GroupPlan {
    std::unordered_map<pid_t, std::vector<pid_t>> groups; // first member -> all members
    std::unordered_set<pid_t> folded;                     // members after the first
    std::unordered_map<pid_t, int> opened;                // first of an opened group -> size
};

std::string groupSignature(const Trace& trace, const CursorWorld& w, const ProcessView& p) {
    std::string sig = p.name;
    for (auto& a : p.argv) (sig += '\x1f') += a;
    sig += '\x1e';
    sig += char('0' + int(startKind(w, p)));
    sig += char('0' + int(procState(trace, w, p)));
    if (!p.alive) sig += std::to_string(p.status.raw()) + (p.killedBySandbox ? "k" : "");
    return sig;
}

} // namespace

int TreeLayout::indexOf(pid_t pid) const {
    auto it = byPid.find(pid);
    return it == byPid.end() ? -1 : it->second;
}

std::string thousands(size_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string groupTitle(const TreeNode& g) {
    const ProcessView& p = *g.proc;
    std::string what;
    for (auto& a : p.argv) what += (what.empty() ? "" : " ") + a;
    if (what.empty()) what = p.name.empty() ? "?" : p.name;
    std::string state;
    if (g.stateHidden) {
        state = "?";
    } else {
        switch (g.state) {
        case ProcState::Exited:
            state = "exit " + std::to_string(p.status.exitCode());
            break;
        case ProcState::Killed:
            state =
                p.status.signaled() ? "killed by " + signalName(p.status.termSignal()) : "killed";
            break;
        case ProcState::Deadlocked:
            state = "deadlocked";
            break;
        case ProcState::Blocked:
            state = "blocked";
            break;
        case ProcState::Running:
            state = "running";
            break;
        }
    }
    return thousands(size_t(std::max(g.groupSize, 1))) + " \u00d7 " + what + ", " + state;
}

TreeLayout layoutTree(const Trace& trace, const CursorWorld& w, const std::set<pid_t>& collapsed,
                      bool showSandbox, bool hideExited, const std::set<pid_t>& openGroups) {
    TreeLayout out;
    const auto sub = subtrees(w.world);
    auto subtree = [&](pid_t pid) {
        auto it = sub.find(pid);
        return it == sub.end() ? Subtree{} : it->second;
    };
    int lastRow = -1;
    std::unordered_set<pid_t> placed; // each process once, even if a reused pid lists it twice
    std::vector<GroupPlan> plans;     // one per parent with enough children to group
    struct Frame {
        const ProcessView* p;
        int me; // its index in out.nodes
        int depth;
        int row;
        size_t next; // its next child
        bool first;  // no child placed yet
        int plan;    // index in plans, -1: no group among its children
    };
    std::vector<Frame> stack;
    auto planFor = [&](const ProcessView& p) {
        if (p.children.size() < size_t(kMinGroup)) return -1;
        std::unordered_map<std::string, std::vector<pid_t>> alike;
        std::vector<std::string> order;
        for (pid_t c : p.children) {
            const ProcessView* cp = w.world.find(c);
            if (!cp || cp->pid == 0 || !cp->children.empty() || placed.count(c)) continue;
            if (hideExited && !cp->alive) continue;
            auto [it, fresh] = alike.try_emplace(groupSignature(trace, w, *cp));
            if (fresh) order.push_back(it->first);
            if (it->second.empty() || it->second.back() != c) it->second.push_back(c);
        }
        GroupPlan plan;
        for (auto& sig : order) {
            std::vector<pid_t>& m = alike[sig];
            if (m.size() < size_t(kMinGroup)) continue;
            if (openGroups.count(m.front())) {
                plan.opened[m.front()] = int(m.size());
                continue;
            }
            for (size_t i = 1; i < m.size(); ++i) plan.folded.insert(m[i]);
            plan.groups[m.front()] = std::move(m);
        }
        if (plan.groups.empty() && plan.opened.empty()) return -1;
        plans.push_back(std::move(plan));
        return int(plans.size()) - 1;
    };
    // A node for p; its children follow (from the stack) unless it is collapsed.
    auto place = [&](const ProcessView& p, int depth, int parent, int row,
                     const std::vector<pid_t>* members = nullptr, int opened = 0) {
        const int me = int(out.nodes.size());
        placed.insert(p.pid);
        TreeNode n;
        n.proc = &p;
        n.depth = depth;
        n.row = row;
        n.parentIndex = parent;
        n.start = startKind(w, p);
        n.state = procState(trace, w, p, &n.stateText);
        n.collapsed = collapsed.count(p.pid) && !p.children.empty();
        n.openGroupSize = opened;
        if (n.collapsed) n.hidden = subtree(p.pid).descendants;
        out.byPid[p.pid] = me;
        if (members) {
            n.groupSize = int(members->size());
            n.members = *members;
            for (pid_t m : *members) {
                placed.insert(m);
                out.byPid[m] = me;
            }
        }
        lastRow = std::max(lastRow, row);
        out.maxDepth = std::max(out.maxDepth, depth);
        const bool leaf = n.collapsed || members;
        out.nodes.push_back(std::move(n));
        if (!leaf) stack.push_back({&p, me, depth, row, 0, true, planFor(p)});
    };
    // Depth-first; a first child shares its parent's row, later children start below the
    // previous child's subtree, so rows never decrease along the node list.
    auto layOut = [&](const ProcessView& root) {
        place(root, 0, -1, lastRow + 1);
        while (!stack.empty()) {
            Frame& f = stack.back();
            if (f.next == f.p->children.size()) {
                stack.pop_back();
                continue;
            }
            const ProcessView* cp = w.world.find(f.p->children[f.next++]);
            if (!cp || cp->pid == 0 || placed.count(cp->pid)) continue;
            if (hideExited && subtree(cp->pid).allExited) {
                out.exitedHidden += 1 + subtree(cp->pid).descendants;
                continue;
            }
            const std::vector<pid_t>* members = nullptr;
            int opened = 0;
            if (f.plan >= 0) {
                const GroupPlan& plan = plans[size_t(f.plan)];
                if (plan.folded.count(cp->pid)) continue; // drawn in its group's row
                if (auto g = plan.groups.find(cp->pid); g != plan.groups.end())
                    members = &g->second;
                if (auto o = plan.opened.find(cp->pid); o != plan.opened.end()) opened = o->second;
            }
            const int childRow = f.first ? f.row : lastRow + 1;
            TreeNode& parent = out.nodes[size_t(f.me)];
            if (f.first) parent.firstChildRow = childRow;
            parent.lastChildRow = childRow;
            f.first = false;
            // may grow the stack (and move `plans`): f and plan are not used after
            place(*cp, f.depth + 1, f.me, childRow, members, opened);
        }
    };
    // Hidden sandbox processes pass their children up as roots, in order.
    std::vector<const ProcessView*> roots;
    for (auto r = w.world.roots.rbegin(); r != w.world.roots.rend(); ++r)
        if (const ProcessView* p = w.world.find(*r)) roots.push_back(p);
    std::unordered_set<pid_t> passedUp;
    while (!roots.empty()) {
        const ProcessView* p = roots.back();
        roots.pop_back();
        if (p->role == Role::Sandbox && !showSandbox) {
            if (!passedUp.insert(p->pid).second) continue;
            for (auto c = p->children.rbegin(); c != p->children.rend(); ++c)
                if (const ProcessView* cp = w.world.find(*c); cp && cp->pid) roots.push_back(cp);
            continue;
        }
        if (!placed.count(p->pid)) layOut(*p);
    }
    out.rows = lastRow + 1;
    return out;
}

bool relayoutTree(TreeLayout& out, TreeLayoutInputs& made, const Trace& trace, const CursorWorld& w,
                  const std::set<pid_t>& collapsed, bool showSandbox, bool hideExited,
                  const std::set<pid_t>& openGroups) {
    TreeLayoutInputs now{&w, w.stamp, trace.size(), collapsed, openGroups, showSandbox, hideExited};
    if (now == made) return false;
    out = layoutTree(trace, w, collapsed, showSandbox, hideExited, openGroups);
    made = std::move(now);
    return true;
}

} // namespace forklab::gui
