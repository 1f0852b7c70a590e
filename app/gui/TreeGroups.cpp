// What the box view and the compact view share: group rows of identical siblings, opening the
// group of the process the user looks for, and the switch between the two views.
#include "app/gui/Draw.hpp"
#include "app/gui/Theme.hpp"
#include "app/gui/TreeListView.hpp"

#include <algorithm>
#include <cstdio>

namespace forklab::gui {

std::string stateWords(const TreeNode& n, bool compact) {
    const ProcessView& p = *n.proc;
    if (n.stateHidden) return "?";
    switch (n.state) {
    case ProcState::Exited:
        return (compact ? "exit " : "exited, code ") + std::to_string(p.status.exitCode());
    case ProcState::Killed:
        if (p.killedBySandbox) return "\u2717 killed at teardown";
        return "\u2717 killed by " +
               (p.status.signaled() ? signalName(p.status.termSignal()) : std::string("a signal"));
    case ProcState::Deadlocked:
        return "\u26A0 DEADLOCKED";
    case ProcState::Blocked:
        return compact ? "blocked (futex)" : "blocked in a futex wait";
    case ProcState::Running:
        return "running";
    }
    return {};
}

bool openFocusGroup(Pane& pane, pid_t focus) {
    if (!pane.userSelected) return false; // a step's process: its group row is enough
    const int i = pane.tree.indexOf(focus);
    if (i < 0) return false;
    const TreeNode& n = pane.tree.nodes[size_t(i)];
    if (n.groupSize == 0) return false;
    pane.openGroups.insert(n.members.front());
    return true;
}

void groupTooltip(const TreeNode& g) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32.0f);
    ImGui::TextUnformatted(groupTitle(g).c_str());
    ImGui::Text("%s processes alike: same program and command line, started the same way (%s), "
                "no children, same end.",
                thousands(size_t(g.groupSize)).c_str(), label(g.start));
    const pid_t lo = *std::min_element(g.members.begin(), g.members.end());
    const pid_t hi = *std::max_element(g.members.begin(), g.members.end());
    ImGui::Text("pids %d \u2026 %d (first forked: %d)", lo, hi, g.members.front());
    ImGui::TextDisabled("click: show each of them; the search finds any of their pids");
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

void drawGroupCard(Pane& pane, const CursorWorld& w, const TreeNode& g, ImVec2 pos, ImVec2 size,
                   bool selected, float line) {
    const Palette& pal = palette();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float em = ImGui::GetFontSize();
    const ImU32 kind = startColour(g.start);
    const ImVec2 end(pos.x + size.x, pos.y + size.y);
    const float round = em * 0.35f;
    // Two cards peeking out behind: a stack, not one process.
    for (float off : {em * 0.5f, em * 0.25f})
        dl->AddRect(ImVec2(pos.x + off, pos.y - off), ImVec2(end.x + off, end.y - off),
                    withAlpha(kind, 0.6f), round, 0, line);
    dl->AddRectFilled(pos, end, pal.card, round);
    dl->AddRectFilled(pos, ImVec2(pos.x + em * 0.45f, end.y), kind, round,
                      ImDrawFlags_RoundCornersLeft);
    dl->AddRect(pos, end, kind, round, 0, line * 1.3f);
    if (selected)
        dl->AddRect(ImVec2(pos.x - line * 3, pos.y - line * 3),
                    ImVec2(end.x + line * 3, end.y + line * 3), pal.selection, round * 1.5f, 0,
                    line * 1.5f);
    const float tx = pos.x + em * 0.8f, room = end.x - tx - em * 0.4f;
    const ProcessView& p = *g.proc;
    std::string what;
    for (auto& a : p.argv) what += (what.empty() ? "" : " ") + a;
    if (what.empty()) what = p.name;
    const std::string count = thousands(size_t(g.groupSize)) + " \u00d7";
    dl->AddText(ImVec2(tx, pos.y + em * 0.25f), pal.text,
                ellipsize(count + " " + displayName(w, p), room).c_str());
    ImVec2 cur(tx, pos.y + em * 1.5f);
    cur.x += pill(dl, cur, label(g.start), kind, pal.textOnAccent).x + em * 0.45f;
    dl->AddText(ImVec2(cur.x, cur.y + em * 0.08f), pal.textDim,
                ellipsize("alike", end.x - cur.x - em * 0.4f).c_str());
    dl->AddText(ImVec2(tx, pos.y + em * 2.75f + em * 0.08f), pal.textDim,
                ellipsize(stateWords(g), room).c_str());
    if (size.y > 5.0f * em)
        dl->AddText(ImVec2(tx, pos.y + em * 3.95f), pal.textDim, ellipsize(what, room).c_str());
    ImGui::SetCursorScreenPos(pos);
    ImGui::PushID(g.members.front());
    ImGui::InvisibleButton("group", size);
    ImGui::SetItemAllowOverlap();
    if (ImGui::IsItemClicked()) pane.openGroups.insert(g.members.front());
    if (ImGui::IsItemHovered()) groupTooltip(g);
    ImGui::PopID();
}

void drawGroupFoldButton(Pane& pane, const TreeNode& first, ImVec2 c, float r, float line) {
    const Palette& pal = palette();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 kind = startColour(first.start);
    ImGui::SetCursorScreenPos(ImVec2(c.x - r, c.y - r));
    ImGui::PushID(first.proc->pid);
    const bool clicked = ImGui::InvisibleButton("foldgroup", ImVec2(2 * r, 2 * r));
    const bool hot = ImGui::IsItemHovered();
    ImGui::PopID();
    if (clicked) pane.openGroups.erase(first.proc->pid);
    dl->AddCircleFilled(c, r, hot ? kind : pal.canvas, 16);
    dl->AddCircle(c, r, kind, 16, line);
    const ImVec2 ss = ImGui::CalcTextSize("\u2212");
    dl->AddText(ImVec2(c.x - ss.x * 0.5f, c.y - ss.y * 0.5f), hot ? pal.textOnAccent : pal.text,
                "\u2212");
    if (hot)
        ImGui::SetTooltip("fold the %s alike processes into one row again",
                          thousands(size_t(first.openGroupSize)).c_str());
}

void drawTreeStyleToggle(App& app, std::optional<ImVec2> topRight) {
    const char* text = app.compactTree ? "Boxes###treestyle" : "List###treestyle";
    if (topRight) {
        const float w =
            ImGui::CalcTextSize(text, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2;
        ImGui::SetCursorScreenPos(ImVec2(topRight->x - w, topRight->y));
    }
    if (ImGui::SmallButton(text)) app.compactTree = !app.compactTree;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(app.compactTree ? "Show the tree as boxes with fork arrows (C)"
                                          : "Show one row per process, like htop (C)");
}

} // namespace forklab::gui
