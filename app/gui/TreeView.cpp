#include "app/gui/TreeView.hpp"

#include "app/gui/Draw.hpp"
#include "app/gui/Theme.hpp"
#include "app/gui/TreeListView.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace forklab::gui {
namespace {

// Card sizes and the two steps of the layout: `depthStep` from a parent to its children,
// `rowStep` from one row to the next. Horizontal (the main view): depth goes right, rows go
// down. Vertical (compare mode's narrow columns): depth goes down, rows go right.
struct Metrics {
    bool vertical;
    float em, cardW, cardH, depthGap, rowGap, pad;
    float depthStep() const { return vertical ? cardH + depthGap : cardW + depthGap; }
    float rowStep() const { return vertical ? cardW + rowGap : cardH + rowGap; }
};

// Cards shrink so a small tree fits the panel's width without scrolling sideways; `fits` says
// whether it does with cards no narrower than kMinCard.
constexpr float kMinCard = 10.0f; // em: the short labels still fit
// Cards carry a fourth line, the command line, when some process exec'd (the lessons ask to
// read them: forkserver-ps), so it is on screen, not only in a tooltip.
bool anyCommandLine(const TreeLayout& tree) {
    for (size_t i = 0; i < tree.nodes.size() && i < 4096; ++i)
        if (!tree.nodes[i].proc->argv.empty()) return true;
    return false;
}

Metrics metrics(bool vertical, const TreeLayout& tree, float width, float em, bool* fits) {
    const float cardH = (anyCommandLine(tree) ? 5.45f : 4.3f) * em;
    const float pad = 0.8f * em, toggle = 1.4f * em;
    if (vertical) {
        const float gap = 1.2f * em;
        const float rows = float(std::max(tree.rows, 1));
        const float fit = (width - 2 * pad - (rows - 1) * gap) / rows;
        *fits = fit >= kMinCard * em;
        return Metrics{true, em, std::clamp(fit, kMinCard * em, 13.0f * em), cardH, 2.4f * em,
                       gap,  pad};
    }
    const float depth = float(tree.maxDepth);
    const float gap = (width / em < 40.0f ? 3.2f : 4.2f) * em;
    const float fit = (width - 2 * pad - toggle - depth * gap) / (depth + 1);
    *fits = fit >= kMinCard * em;
    return Metrics{false,     em, std::clamp(fit, kMinCard * em, 15.5f * em), cardH, gap,
                   0.9f * em, pad};
}

// Depth to the right reads best; when that does not fit the width but top-down does (a deep,
// narrow tree at a big display scale, or compare mode's columns), the tree grows downwards.
// A tree that fits the panel whole (both ways) is drawn that way first: on a projector the
// class sees every process without scrolling.
Metrics chooseMetrics(bool compact, const TreeLayout& tree, float width, float height, float em,
                      bool* fitsWhole) {
    bool fitsH = false, fitsV = false;
    *fitsWhole = false;
    if (compact) return metrics(true, tree, width, em, &fitsV);
    const Metrics h = metrics(false, tree, width, em, &fitsH);
    const Metrics v = metrics(true, tree, width, em, &fitsV);
    const float rows = float(std::max(tree.rows, 1)), depth = float(tree.maxDepth);
    auto whole = [&](const Metrics& m) {
        const float along = 2 * m.pad + (depth + 1) * (m.vertical ? m.cardH : m.cardW) +
                            depth * m.depthGap + (m.vertical ? 0.0f : 1.4f * m.em);
        const float across =
            2 * m.pad + rows * (m.vertical ? m.cardW : m.cardH) + (rows - 1) * m.rowGap;
        return m.vertical ? across <= width && along <= height : along <= width && across <= height;
    };
    *fitsWhole = true;
    if (fitsH && whole(h)) return h;
    if (fitsV && whole(v)) return v;
    *fitsWhole = false;
    if (fitsH) return h;
    return fitsV ? v : h;
}

// Narrow cards (compare mode) say the same in fewer letters.
const char* shortLabel(StartKind k) {
    switch (k) {
    case StartKind::Root:
        return "started";
    default: // a role's word is its word everywhere (Roles.hpp), narrow or not
        return label(k);
    }
}

std::string threadsText(const Trace& trace, const TreeNode& node) {
    const ProcessView& p = *node.proc;
    if (node.threadsHidden) return "? threads";
    if (!p.alive) { // what it had when last seen: a lesson's answer outlives the process
        if (p.snap == kNoSnap) return {};
        const size_t had = trace.snapshot(p.snap).threads.size();
        if (had == 0) return {};
        return had == 1 ? "had 1 thread" : "had " + std::to_string(had) + " threads";
    }
    const size_t n = p.threads.size();
    return n == 1 ? "1 thread" : std::to_string(n) + " threads";
}

void tooltip(const App& app, const CursorWorld& w, const TreeNode& n) {
    const ProcessView& p = *n.proc;
    if (n.groupSize > 0) {
        groupTooltip(n);
        return;
    }
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32.0f);
    ImGui::PushFont(app.fonts.bold);
    ImGui::Text("%d %s", p.pid, displayName(w, p).c_str());
    ImGui::PopFont();
    ImGui::Text("pid %d as forklab sees it, %d inside the sandbox (what getpid() returns)", p.pid,
                p.nspid);
    if (p.name != displayName(w, p)) ImGui::Text("program: %s", p.name.c_str());
    ImGui::Text("%s: %s", label(n.start), explanation(n.start));
    if (!p.argv.empty()) {
        std::string cmd;
        for (auto& a : p.argv) cmd += (cmd.empty() ? "" : " ") + a;
        ImGui::Text("exec'd: %s", cmd.c_str());
    }
    ImGui::Text("state: %s", n.stateHidden ? kHiddenText : n.stateText.c_str());
    if (p.alive && !p.threads.empty() && !n.threadsHidden) {
        std::string tids;
        for (pid_t t : p.threads) tids += (tids.empty() ? "" : ", ") + std::to_string(t);
        ImGui::Text("threads: %s", tids.c_str());
    }
    if (!p.deadlocks.empty() && !n.stateHidden)
        colouredWrapped(palette().deadlock,
                        "Deadlock verdict recorded: see Mutexes & semaphores for the evidence.");
    if (n.collapsed) ImGui::Text("%d processes below it are folded away", n.hidden);
    ImGui::TextDisabled("click: show its file descriptors; double-click: fold its subtree");
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

} // namespace

void drawTreeLegend(const TreeLayout& tree, float width) {
    bool present[9] = {};
    for (auto& n : tree.nodes) present[size_t(n.start)] = true;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float em = ImGui::GetFontSize();
    // Only when it fits on the line: the cards carry the same words.
    float need = 0;
    for (int k = 0; k < 9; ++k)
        if (present[k])
            need += em * 1.25f + ImGui::GetTextLineHeight() +
                    ImGui::CalcTextSize(label(StartKind(k))).x;
    if (need > width) {
        ImGui::NewLine();
        return;
    }
    for (int k = 0; k < 9; ++k) {
        if (!present[k]) continue;
        ImGui::SameLine(0, em);
        const ImVec2 pos = ImGui::GetCursorScreenPos();
        const float h = ImGui::GetTextLineHeight();
        dl->AddRectFilled(ImVec2(pos.x, pos.y + h * 0.15f),
                          ImVec2(pos.x + h * 0.7f, pos.y + h * 0.85f), startColour(StartKind(k)),
                          2.0f);
        ImGui::Dummy(ImVec2(h * 0.8f, h));
        ImGui::SameLine(0, em * 0.25f);
        ImGui::TextUnformatted(label(StartKind(k)));
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", explanation(StartKind(k)));
    }
    ImGui::NewLine();
}

std::string cardCommand(const ProcessView& p) {
    std::string cmd;
    for (size_t a = 0; a < p.argv.size(); ++a) {
        std::string arg = p.argv[a];
        if (a == 0) {
            if (auto slash = arg.rfind('/'); slash != std::string::npos && slash + 1 < arg.size())
                arg = arg.substr(slash + 1);
            if (arg == lessonProgramName() && p.argv.size() > 1) continue;
        }
        cmd += (cmd.empty() ? "" : " ") + arg;
    }
    return cmd;
}

void drawTreeView(App& app, Pane& pane, const CursorWorld& w, ImVec2 size, bool compact) {
    if (app.compactTree) {
        drawTreeList(app, pane, w, size);
        return;
    }
    const Palette& pal = palette();
    const float panelW = size.x > 0 ? size.x : ImGui::GetContentRegionAvail().x;
    const float panelH = size.y > 0 ? size.y : ImGui::GetContentRegionAvail().y;
    const float fitW = panelW - ImGui::GetStyle().ScrollbarSize,
                fitH = panelH - ImGui::GetStyle().ScrollbarSize;
    bool whole = false;
    Metrics m = chooseMetrics(compact, pane.tree, fitW, fitH, ImGui::GetFontSize(), &whole);
    // A small tree that does not fit whole (a projector at display scale 2 or 3) zooms out
    // until it does, down to 55 %: the class sees every process without scrolling.
    float zoom = 1.0f;
    if (!whole && !compact && pane.tree.nodes.size() <= 40) {
        for (float z = 0.9f; z > 0.5f; z -= 0.05f) {
            bool fits = false;
            const Metrics t =
                chooseMetrics(false, pane.tree, fitW, fitH, ImGui::GetFontSize() * z, &fits);
            if (fits) {
                m = t;
                zoom = z;
                break;
            }
        }
    }
    const TreeLayout& tree = pane.tree;
    const pid_t focus = focusPid(pane, w);
    const int focusIndex = tree.indexOf(focus);

    ImGui::PushStyleColor(ImGuiCol_ChildBg, pal.canvas);
    ImGui::BeginChild("tree", size, true, ImGuiWindowFlags_HorizontalScrollbar);
    ImGui::SetWindowFontScale(zoom); // kept per window: set every frame
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos(); // content origin, scrolled
    const ImVec2 winPos = ImGui::GetWindowPos(), winSize = ImGui::GetWindowSize();

    if (tree.nodes.empty()) {
        const Session* s = pane.session.get();
        const char* text = !s                    ? "Pick a lesson or a program above and press Run."
                           : !s->error().empty() ? s->error().c_str()
                                                 : "Starting\u2026";
        ImGui::SetCursorPos(ImVec2(m.pad, m.pad));
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextColored(
            ImGui::ColorConvertU32ToFloat4(s && !s->error().empty() ? pal.deadlock : pal.textDim),
            "%s", text);
        ImGui::PopTextWrapPos();
        ImGui::EndChild();
        ImGui::PopStyleColor();
        return;
    }
    if (tree.exitedHidden > 0) {
        // Said where the eye falls after the cards, so nobody counts a shortened tree as whole.
        char note[96];
        std::snprintf(note, sizeof note, "%d exited process%s left out (Display\u2026)",
                      tree.exitedHidden, tree.exitedHidden == 1 ? "" : "es");
        const ImVec2 ts = ImGui::CalcTextSize(note);
        const ImVec2 at(winPos.x + m.pad,
                        winPos.y + winSize.y - ts.y - m.pad - ImGui::GetStyle().ScrollbarSize);
        dl->AddRectFilled(ImVec2(at.x - 4, at.y - 2), ImVec2(at.x + ts.x + 4, at.y + ts.y + 2),
                          pal.canvas);
        dl->AddText(at, pal.textDim, note);
    }

    auto cardPos = [&](const TreeNode& n) {
        const float d = m.pad + float(n.depth) * m.depthStep(),
                    r = m.pad + float(n.row) * m.rowStep();
        return m.vertical ? ImVec2(origin.x + r, origin.y + d) : ImVec2(origin.x + d, origin.y + r);
    };
    // A new focus (a step about another process, a search) is scrolled into view; one the user
    // asked for inside a group opens the group first (laid out again next frame).
    if (const int fi = tree.indexOf(focus);
        fi >= 0 && focus != pane.scrolledTo && !openFocusGroup(pane, focus)) {
        pane.scrolledTo = focus;
        const ImVec2 p = cardPos(tree.nodes[size_t(fi)]);
        const ImVec2 local(p.x - origin.x, p.y - origin.y); // in content coordinates
        const float sx = ImGui::GetScrollX(), sy = ImGui::GetScrollY();
        if (local.x < sx || local.x + m.cardW > sx + winSize.x)
            ImGui::SetScrollX(std::max(0.0f, local.x - (winSize.x - m.cardW) * 0.5f));
        if (local.y < sy || local.y + m.cardH > sy + winSize.y)
            ImGui::SetScrollY(std::max(0.0f, local.y - (winSize.y - m.cardH) * 0.5f));
    }
    pane.treePanel = {winPos.x, winPos.y, winSize.x, winSize.y};
    pane.treeVertical = m.vertical;
    pane.cards.clear();
    for (size_t i = 0; i < tree.nodes.size() && i < Pane::kMaxCards; ++i) {
        const ImVec2 p = cardPos(tree.nodes[i]);
        pane.cards.push_back({tree.nodes[i].proc->pid, {p.x, p.y, m.cardW, m.cardH}});
    }
    if (focusIndex >= int(Pane::kMaxCards)) { // the selected one is always in the dump
        const ImVec2 p = cardPos(tree.nodes[size_t(focusIndex)]);
        pane.cards.push_back({focus, {p.x, p.y, m.cardW, m.cardH}});
    }
    const float line = std::fmax(1.0f, pal.line * m.em / 16.0f);
    const ImVec2 clip0(winPos.x - m.cardW, winPos.y - m.cardH);
    const ImVec2 clip1(winPos.x + winSize.x + m.cardW, winPos.y + winSize.y + m.cardH);
    // Where a parent's connector trunk runs, and where an arrow enters a child.
    auto trunkStart = [&](const TreeNode& n) {
        const ImVec2 p = cardPos(n);
        return m.vertical ? ImVec2(p.x + m.cardW * 0.5f, p.y + m.cardH)
                          : ImVec2(p.x + m.cardW, p.y + m.cardH * 0.5f);
    };
    auto trunkAt = [&](const TreeNode& n) { // the trunk's offset along the depth axis
        const ImVec2 s = trunkStart(n);
        return m.vertical ? s.y + m.depthGap * 0.3f : s.x + m.depthGap * 0.3f;
    };
    auto entry = [&](const TreeNode& n) {
        const ImVec2 p = cardPos(n);
        return m.vertical ? ImVec2(p.x + m.cardW * 0.5f, p.y) : ImVec2(p.x, p.y + m.cardH * 0.5f);
    };

    // Connectors first, under the cards: a trunk per parent, an elbow with an arrow per child.
    for (const TreeNode& n : tree.nodes) {
        if (n.firstChildRow < 0) continue;
        const ImVec2 s = trunkStart(n);
        const float t = trunkAt(n);
        const float last = (m.vertical ? origin.x : origin.y) + m.pad +
                           float(n.lastChildRow) * m.rowStep() +
                           (m.vertical ? m.cardW : m.cardH) * 0.5f;
        const ImVec2 a = m.vertical ? ImVec2(s.x, t) : ImVec2(t, s.y);
        const ImVec2 b = m.vertical ? ImVec2(last, t) : ImVec2(t, last);
        if (b.x < clip0.x || a.x > clip1.x || b.y < clip0.y || a.y > clip1.y) continue;
        dl->AddLine(s, a, pal.cardBorder, line);
        dl->AddLine(a, b, pal.cardBorder, line);
    }
    // Visible rows only: rows never decrease along the node list.
    const float rowFrom = m.vertical ? clip0.x - origin.x : clip0.y - origin.y;
    const float rowTo = m.vertical ? clip1.x - origin.x : clip1.y - origin.y;
    const float rowTop = (rowFrom - m.pad) / m.rowStep() - 1.0f;
    const float rowBottom = (rowTo - m.pad) / m.rowStep() + 1.0f;
    auto firstVisible =
        std::lower_bound(tree.nodes.begin(), tree.nodes.end(), rowTop,
                         [](const TreeNode& n, float r) { return float(n.row) < r; });
    const size_t from = size_t(firstVisible - tree.nodes.begin());

    for (size_t i = from; i < tree.nodes.size() && float(tree.nodes[i].row) <= rowBottom; ++i) {
        const TreeNode& n = tree.nodes[i];
        const ProcessView& p = *n.proc;
        const ImVec2 pos = cardPos(n);
        if (pos.x > clip1.x || pos.x + m.cardW < clip0.x || pos.y > clip1.y ||
            pos.y + m.cardH < clip0.y)
            continue;
        const ImVec2 end(pos.x + m.cardW, pos.y + m.cardH);
        const ImU32 kind = startColour(n.start);
        const bool dead =
            (n.state == ProcState::Exited || n.state == ProcState::Killed) && !n.stateHidden;
        const bool deadlocked = !p.deadlocks.empty() && !n.stateHidden;
        const bool selected = p.pid == focus || (n.groupSize > 0 && focusIndex == int(i));

        // The fork arrow into this card, labelled with the system call.
        if (n.parentIndex >= 0) {
            const float t = trunkAt(tree.nodes[size_t(n.parentIndex)]);
            const ImVec2 in = entry(n);
            const ImVec2 from2 = m.vertical ? ImVec2(in.x, t) : ImVec2(t, in.y);
            const ImVec2 dir = m.vertical ? ImVec2(0, 1) : ImVec2(1, 0);
            dl->AddLine(from2, ImVec2(in.x - dir.x * line * 2, in.y - dir.y * line * 2), kind,
                        line * 1.6f);
            arrowHead(dl, ImVec2(in.x - dir.x * line, in.y - dir.y * line), dir, m.em * 0.6f, kind);
            const char* how = p.role == Role::Sandbox    ? ""
                              : p.how == ForkKind::Vfork ? "vfork"
                                                         : "fork";
            const ImVec2 ts = ImGui::CalcTextSize(how);
            if (!m.vertical) {
                const float lx = std::fmax(t + m.em * 0.2f, in.x - m.em * 0.7f - ts.x);
                dl->AddText(ImVec2(lx, in.y - ts.y - line * 2), pal.textDim, how);
            }
        }

        if (n.groupSize > 0) { // identical siblings: one stacked card, a click opens it
            drawGroupCard(pane, w, n, pos, ImVec2(m.cardW, m.cardH), selected, line);
            continue;
        }

        // Card: tinted when deadlocked, dimmed once the process is gone.
        ImU32 bg = dead ? pal.cardDim : pal.card;
        if (deadlocked && !dead) bg = withAlpha(pal.deadlock, pal.light ? 0.18f : 0.35f);
        const float round = m.em * 0.35f;
        dl->AddRectFilled(pos, end, bg, round);
        dl->AddRectFilled(pos, ImVec2(pos.x + m.em * 0.45f, end.y), kind, round,
                          ImDrawFlags_RoundCornersLeft);
        const ImU32 border = deadlocked ? pal.deadlock : dead ? withAlpha(kind, 0.55f) : kind;
        dl->AddRect(pos, end, border, round, 0, deadlocked ? line * 2.5f : line * 1.3f);
        if (selected)
            dl->AddRect(ImVec2(pos.x - line * 3, pos.y - line * 3),
                        ImVec2(end.x + line * 3, end.y + line * 3), pal.selection, round * 1.5f, 0,
                        line * 1.5f);

        const float tx = pos.x + m.em * 0.8f;
        const ImU32 textCol = dead ? pal.textDim : pal.text;
        // Line 1: name, and the pid as forklab and as the process itself sees it.
        char pidText[64];
        std::snprintf(pidText, sizeof pidText, "%d", p.pid);
        // Narrow cards (compare mode, a big display scale) keep the essentials.
        const bool narrow = compact || m.cardW < 14.0f * m.em;
        if (p.nspid && p.nspid != p.pid && !narrow)
            std::snprintf(pidText, sizeof pidText, "%d \u00b7 %d inside", p.pid, p.nspid);
        const float pidW = ImGui::CalcTextSize(pidText).x;
        dl->AddText(ImVec2(end.x - m.em * 0.5f - pidW, pos.y + m.em * 0.3f), pal.textDim, pidText);
        ImGui::PushFont(app.fonts.bold);
        const std::string shown = displayName(w, p);
        const std::string name =
            ellipsize(shown.empty() ? "?" : shown, end.x - tx - pidW - m.em * 1.2f);
        dl->AddText(ImVec2(tx, pos.y + m.em * 0.25f), textCol, name.c_str());
        ImGui::PopFont();

        // Line 2: how it was started, and its threads (the lessons count them).
        ImVec2 cur(tx, pos.y + m.em * 1.5f);
        // The thread count is a lesson's answer: the label gets short before the count is cut.
        const std::string threadsFull = threadsText(pane.session->trace(), n);
        const float room =
            end.x - cur.x - m.em * 0.85f - ImGui::CalcTextSize(threadsFull.c_str()).x;
        const char* kindText =
            narrow || pillSize(label(n.start)).x > room ? shortLabel(n.start) : label(n.start);
        cur.x += pill(dl, cur, kindText, withAlpha(kind, dead ? 0.6f : 1.0f), pal.textOnAccent).x +
                 m.em * 0.45f;
        const std::string threads = ellipsize(threadsFull, end.x - cur.x - m.em * 0.4f);
        if (!threads.empty())
            dl->AddText(ImVec2(cur.x, cur.y + m.em * 0.08f), textCol, threads.c_str());

        // Line 4 (when some process exec'd): the command line it exec'd, the program's path
        // shortened to its name.
        if (!p.argv.empty() && m.cardH > 5.0f * m.em) {
            const std::string cmd = cardCommand(p);
            const std::string shownCmd = ellipsize(cmd, end.x - tx - m.em * 0.4f);
            dl->AddText(ImVec2(tx, pos.y + m.em * 3.95f), pal.textDim, shownCmd.c_str());
        }

        // Line 3: its state, in words, never by colour alone.
        cur = ImVec2(tx, pos.y + m.em * 2.75f);
        const std::string state = stateWords(n, /*compact=*/false);
        if (n.stateHidden) {
            dl->AddText(ImVec2(cur.x, cur.y + m.em * 0.08f), pal.textDim, "state: ?");
        } else if (deadlocked &&
                   n.state == ProcState::Killed) { // it died deadlocked: say that first
            cur.x +=
                pill(dl, cur, "\u26A0 DEADLOCKED", pal.deadlock, IM_COL32_WHITE).x + m.em * 0.35f;
            dl->AddText(ImVec2(cur.x, cur.y + m.em * 0.08f), pal.textDim, "then killed");
        } else {
            switch (n.state) {
            case ProcState::Deadlocked:
                pill(dl, cur, state.c_str(), pal.deadlock, IM_COL32_WHITE);
                break;
            case ProcState::Killed:
                pill(dl, cur, state.c_str(), pal.deadlock, IM_COL32_WHITE, true);
                break;
            case ProcState::Blocked:
                pill(dl, cur, state.c_str(), pal.blocked, pal.textOnAccent, true);
                break;
            case ProcState::Exited:
                dl->AddText(ImVec2(cur.x, cur.y + m.em * 0.08f), pal.textDim, state.c_str());
                break;
            case ProcState::Running:
                dl->AddText(ImVec2(cur.x, cur.y + m.em * 0.08f), pal.good, state.c_str());
                break;
            }
        }

        // Interaction: select, fold; the fold toggle sits on the right edge.
        ImGui::SetCursorScreenPos(pos);
        ImGui::PushID(p.pid);
        ImGui::InvisibleButton("card", ImVec2(m.cardW, m.cardH));
        ImGui::SetItemAllowOverlap(); // the view switch in the corner stays clickable
        if (ImGui::IsItemClicked()) {
            pane.selected = p.pid;
            pane.userSelected = true;
        }
        if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(0) &&
            (!p.children.empty() || n.collapsed)) {
            if (!pane.collapsed.erase(p.pid)) pane.collapsed.insert(p.pid);
        }
        if (ImGui::IsItemHovered()) tooltip(app, w, n);
        if (n.openGroupSize > 0 && p.children.empty()) {
            const float r = m.em * 0.55f;
            drawGroupFoldButton(pane, n,
                                m.vertical ? ImVec2(pos.x + m.cardW * 0.5f, end.y + r + line * 2)
                                           : ImVec2(end.x + r + line * 2, pos.y + m.cardH * 0.5f),
                                r, line);
        }
        if (!p.children.empty()) {
            const float r = m.em * 0.55f;
            const ImVec2 c = m.vertical ? ImVec2(pos.x + m.cardW * 0.5f, end.y + r + line * 2)
                                        : ImVec2(end.x + r + line * 2, pos.y + m.cardH * 0.5f);
            ImGui::SetCursorScreenPos(ImVec2(c.x - r, c.y - r));
            if (ImGui::InvisibleButton("fold", ImVec2(2 * r, 2 * r))) {
                if (!pane.collapsed.erase(p.pid)) pane.collapsed.insert(p.pid);
            }
            const bool hot = ImGui::IsItemHovered();
            dl->AddCircleFilled(c, r, hot ? kind : pal.canvas, 16);
            dl->AddCircle(c, r, kind, 16, line);
            const char* sign = n.collapsed ? "+" : "\u2212";
            const ImVec2 ss = ImGui::CalcTextSize(sign);
            dl->AddText(ImVec2(c.x - ss.x * 0.5f, c.y - ss.y * 0.5f),
                        hot ? pal.textOnAccent : pal.text, sign);
            if (hot)
                ImGui::SetTooltip(n.collapsed ? "show the %d processes below" : "fold this subtree",
                                  n.hidden);
            if (n.collapsed) {
                char more[32];
                std::snprintf(more, sizeof more, "+%d", n.hidden);
                pill(dl, ImVec2(c.x + r + m.em * 0.3f, c.y - m.em * 0.6f), more, kind,
                     pal.textOnAccent);
            }
        }
        ImGui::PopID();
    }

    // The scrollable extent of the whole tree (room for a fold toggle after the last level).
    ImGui::SetCursorScreenPos(origin);
    const float depthExtent =
        m.pad * 2 + float(tree.maxDepth + 1) * m.depthStep() - m.depthGap + m.em * 1.4f;
    const float rowExtent = m.pad * 2 + float(tree.rows) * m.rowStep() - m.rowGap;
    // (less the child window's own padding, which ImGui adds around the content: with it, a
    // tree that fits showed two scrollbars at display scale 2 and 3)
    const ImVec2 wp = ImGui::GetStyle().WindowPadding;
    const ImVec2 extent =
        m.vertical ? ImVec2(rowExtent, depthExtent) : ImVec2(depthExtent, rowExtent);
    ImGui::Dummy(ImVec2(std::max(0.0f, extent.x - 2 * wp.x), std::max(0.0f, extent.y - 2 * wp.y)));
    drawTreeStyleToggle(app,
                        ImVec2(winPos.x + winSize.x - ImGui::GetStyle().ScrollbarSize - m.em * 0.3f,
                               winPos.y + m.em * 0.3f));
    ImGui::EndChild();
    ImGui::PopStyleColor();
}

} // namespace forklab::gui
