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

} // namespace

int TreeLayout::indexOf(pid_t pid) const {
    auto it = byPid.find(pid);
    return it == byPid.end() ? -1 : it->second;
}

TreeLayout layoutTree(const Trace& trace, const CursorWorld& w, const std::set<pid_t>& collapsed,
                      bool showSandbox, bool hideExited) {
    TreeLayout out;
    const auto sub = subtrees(w.world);
    auto subtree = [&](pid_t pid) {
        auto it = sub.find(pid);
        return it == sub.end() ? Subtree{} : it->second;
    };
    int lastRow = -1;
    std::unordered_set<pid_t> placed; // each process once, even if a reused pid lists it twice
    struct Frame {
        const ProcessView* p;
        int me; // its index in out.nodes
        int depth;
        int row;
        size_t next; // its next child
        bool first;  // no child placed yet
    };
    std::vector<Frame> stack;
    // A node for p; its children follow (from the stack) unless it is collapsed.
    auto place = [&](const ProcessView& p, int depth, int parent, int row) {
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
        if (n.collapsed) n.hidden = subtree(p.pid).descendants;
        out.byPid[p.pid] = me;
        lastRow = std::max(lastRow, row);
        out.maxDepth = std::max(out.maxDepth, depth);
        if (!n.collapsed) stack.push_back({&p, me, depth, row, 0, true});
        out.nodes.push_back(std::move(n));
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
            const int childRow = f.first ? f.row : lastRow + 1;
            TreeNode& parent = out.nodes[f.me];
            if (f.first) parent.firstChildRow = childRow;
            parent.lastChildRow = childRow;
            f.first = false;
            place(*cp, f.depth + 1, f.me, childRow); // may grow the stack: f is not used after
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

} // namespace forklab::gui
