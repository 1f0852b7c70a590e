// The compact view of the process tree: one row per process (or per group of identical
// siblings), as htop shows it. Only the visible rows are built (ImGuiListClipper), so 2,000 rows
// cost what 30 do.
#include "app/gui/TreeListView.hpp"

#include "app/gui/Draw.hpp"
#include "app/gui/Theme.hpp"
#include "app/gui/TreeView.hpp"

#include <algorithm>
#include <cstdio>

namespace forklab::gui {
namespace {

// Deeper than this, rows stop moving right and say their depth instead (a 100,000-deep chain).
constexpr int kMaxIndent = 24;

ImU32 stateColour(const TreeNode& n) {
    const Palette& pal = palette();
    if (n.stateHidden) return pal.textDim;
    switch (n.state) {
    case ProcState::Deadlocked:
    case ProcState::Killed:
        return pal.deadlock;
    case ProcState::Blocked:
        return pal.blocked;
    case ProcState::Running:
        return pal.good;
    case ProcState::Exited:
        break;
    }
    return pal.textDim;
}

std::string threadsWords(const TreeNode& n) {
    if (n.threadsHidden) return "?";
    if (n.groupSize > 0 || !n.proc->alive) return "";
    return std::to_string(n.proc->threads.size());
}

void emptyText(const Pane& pane) {
    const Palette& pal = palette();
    const Session* s = pane.session.get();
    const char* text = !s                    ? "Pick a lesson or a program above and press Run."
                       : !s->error().empty() ? s->error().c_str()
                                             : "Starting\u2026";
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored(
        ImGui::ColorConvertU32ToFloat4(s && !s->error().empty() ? pal.deadlock : pal.textDim), "%s",
        text);
    ImGui::PopTextWrapPos();
}

// The Process column: indent, fold mark, name (bold) and what it exec'd. Returns true when the
// fold mark was clicked.
void processCell(App& app, Pane& pane, const CursorWorld& w, const TreeNode& n) {
    const Palette& pal = palette();
    const ProcessView& p = *n.proc;
    const float em = ImGui::GetFontSize();
    const int depth = std::min(n.depth, kMaxIndent);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float h = ImGui::GetTextLineHeight();
    // Indent guides: one faint line per level, as tree(1) draws them.
    for (int d = 1; d <= depth; ++d) {
        const float x = at.x + (float(d) - 0.5f) * em;
        dl->AddLine(ImVec2(x, at.y - 2), ImVec2(x, at.y + h + 2), pal.grid, 1.0f);
    }
    float x = at.x + float(depth) * em;
    if (n.depth > kMaxIndent) {
        char deep[24];
        std::snprintf(deep, sizeof deep, "[%d] ", n.depth);
        dl->AddText(ImVec2(x, at.y), pal.textDim, deep);
        x += ImGui::CalcTextSize(deep).x;
    }
    const bool folds = !p.children.empty() || n.groupSize > 0 || n.openGroupSize > 0;
    const char* mark = n.groupSize > 0 || n.collapsed ? "\u25B8" // ▸ folded: more inside
                       : folds                        ? "\u25BE" // ▾ open
                                                      : "\u00b7";                       // a leaf
    ImGui::SetCursorScreenPos(ImVec2(x, at.y));
    ImGui::PushID("fold");
    if (folds) {
        if (ImGui::InvisibleButton("f", ImVec2(em, h))) {
            if (n.groupSize > 0)
                pane.openGroups.insert(n.members.front());
            else if (n.openGroupSize > 0 && p.children.empty())
                pane.openGroups.erase(p.pid);
            else if (!pane.collapsed.erase(p.pid))
                pane.collapsed.insert(p.pid);
        }
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip(n.groupSize > 0       ? "show each of them"
                              : n.openGroupSize > 0 ? "fold the alike processes into one row"
                              : n.collapsed         ? "show the processes below"
                                                    : "fold this subtree");
    }
    ImGui::PopID();
    dl->AddText(ImVec2(x + em * 0.15f, at.y), folds ? pal.text : pal.textDim, mark);
    x += em * 1.1f;
    const ImU32 textCol =
        n.state == ProcState::Exited || n.state == ProcState::Killed ? pal.textDim : pal.text;
    std::string name, rest;
    if (n.groupSize > 0) {
        name = groupTitle(n);
    } else {
        name = displayName(w, p);
        if (name.empty()) name = "?";
        rest = cardCommand(p);
        if (n.collapsed) rest = "+" + std::to_string(n.hidden) + " folded  " + rest;
        if (n.openGroupSize > 0)
            rest = "(1 of " + thousands(size_t(n.openGroupSize)) + " alike)  " + rest;
    }
    ImGui::PushFont(app.fonts.bold);
    dl->AddText(ImVec2(x, at.y), n.groupSize > 0 ? startColour(n.start) : textCol, name.c_str());
    x += ImGui::CalcTextSize(name.c_str()).x + em * 0.6f;
    ImGui::PopFont();
    if (!rest.empty()) {
        dl->AddText(ImVec2(x, at.y), pal.textDim, rest.c_str());
        x += ImGui::CalcTextSize(rest.c_str()).x;
    }
    // The row's extent, so the table scrolls sideways to a long command line.
    ImGui::SetCursorScreenPos(at);
    ImGui::Dummy(ImVec2(x - at.x, h));
}

} // namespace

void drawTreeList(App& app, Pane& pane, const CursorWorld& w, ImVec2 size) {
    const Palette& pal = palette();
    const TreeLayout& tree = pane.tree;
    const float em = ImGui::GetFontSize();
    const pid_t focus = focusPid(pane, w);
    const int focusIndex = tree.indexOf(focus);
    pane.treeVertical = false;
    ImGui::PushStyleColor(ImGuiCol_ChildBg, pal.canvas);
    if (tree.nodes.empty()) {
        ImGui::BeginChild("tree", size, true);
        emptyText(pane);
        ImGui::EndChild();
        ImGui::PopStyleColor();
        return;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 box(size.x > 0 ? size.x : avail.x, size.y > 0 ? size.y : avail.y);
    constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                                       ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                       ImGuiTableFlags_BordersInnerV |
                                       ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("treelist", 5, kFlags, box)) {
        ImGui::PopStyleColor();
        return;
    }
    ImGui::TableSetupScrollFreeze(0, 1);
    // The process's name second, so a narrow panel (a projector) shows it; the columns after it
    // scroll into view sideways. It takes what the others leave, at least 14 em.
    ImGui::TableSetupColumn("PID", ImGuiTableColumnFlags_WidthFixed, 4.2f * em);
    ImGui::TableSetupColumn("Process", ImGuiTableColumnFlags_WidthFixed,
                            std::max(14.0f * em, box.x - 26.5f * em));
    ImGui::TableSetupColumn("State", ImGuiTableColumnFlags_WidthFixed, 8.5f * em);
    ImGui::TableSetupColumn("Started by", ImGuiTableColumnFlags_WidthFixed, 8.5f * em);
    ImGui::TableSetupColumn("Thr", ImGuiTableColumnFlags_WidthFixed, 2.0f * em);
    // The header row, with the view switch after "Process" (it scrolls with nothing else).
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    for (int c = 0; c < 5; ++c) {
        ImGui::TableSetColumnIndex(c);
        const ImVec2 at = ImGui::GetCursorScreenPos();
        ImGui::TableHeader(ImGui::TableGetColumnName(c));
        if (c == 1) {
            ImGui::SetCursorScreenPos(ImVec2(at.x + ImGui::CalcTextSize("Process").x + em, at.y));
            drawTreeStyleToggle(app);
        }
    }

    const float rowH = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2;
    const ImVec2 winPos = ImGui::GetWindowPos(), winSize = ImGui::GetWindowSize();
    const float headerH = rowH;
    // A new focus is scrolled into view (a group the user looks into opens first).
    if (focusIndex >= 0 && focus != pane.scrolledTo && !openFocusGroup(pane, focus)) {
        pane.scrolledTo = focus;
        const float y = float(focusIndex) * rowH, sy = ImGui::GetScrollY();
        const float viewH = winSize.y - headerH - ImGui::GetStyle().ScrollbarSize;
        if (y < sy || y + rowH > sy + viewH)
            ImGui::SetScrollY(std::max(0.0f, y - (viewH - rowH) * 0.5f));
    }

    float firstRowY = 0;
    int firstRow = -1;
    ImGuiListClipper clipper;
    clipper.Begin(int(tree.nodes.size()), rowH);
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const TreeNode& n = tree.nodes[size_t(i)];
            const ProcessView& p = *n.proc;
            ImGui::TableNextRow(ImGuiTableRowFlags_None, rowH);
            ImGui::TableNextColumn();
            if (firstRow < 0) {
                firstRow = i;
                firstRowY = ImGui::GetCursorScreenPos().y - ImGui::GetStyle().CellPadding.y;
            }
            ImGui::PushID(n.groupSize > 0 ? -n.members.front() : p.pid);
            const bool selected = i == focusIndex;
            if (ImGui::Selectable("##row", selected,
                                  ImGuiSelectableFlags_SpanAllColumns |
                                      ImGuiSelectableFlags_AllowItemOverlap |
                                      ImGuiSelectableFlags_AllowDoubleClick)) {
                if (n.groupSize > 0) {
                    pane.openGroups.insert(n.members.front());
                } else {
                    pane.selected = p.pid;
                    pane.userSelected = true;
                    if (ImGui::IsMouseDoubleClicked(0) && !p.children.empty() &&
                        !pane.collapsed.erase(p.pid))
                        pane.collapsed.insert(p.pid);
                }
            }
            if (ImGui::IsItemHovered() && n.groupSize > 0) groupTooltip(n);
            ImGui::SameLine(0, 0);
            if (n.groupSize > 0)
                ImGui::TextDisabled("%s", thousands(size_t(n.groupSize)).c_str());
            else
                ImGui::Text("%d", p.pid);
            ImGui::TableNextColumn();
            processCell(app, pane, w, n);
            ImGui::TableNextColumn();
            const std::string state = stateWords(n);
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(stateColour(n)), "%s", state.c_str());
            if (ImGui::IsItemHovered() && !n.stateHidden && n.groupSize == 0)
                ImGui::SetTooltip("%s", n.stateText.c_str());
            ImGui::TableNextColumn();
            {
                ImDrawList* dl = ImGui::GetWindowDrawList();
                const ImVec2 c = ImGui::GetCursorScreenPos();
                const float h = ImGui::GetTextLineHeight();
                dl->AddRectFilled(ImVec2(c.x, c.y + h * 0.15f),
                                  ImVec2(c.x + h * 0.5f, c.y + h * 0.85f), startColour(n.start),
                                  2.0f);
                ImGui::SetCursorScreenPos(ImVec2(c.x + h * 0.7f, c.y));
                ImGui::TextUnformatted(label(n.start));
                if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", explanation(n.start));
            }
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(threadsWords(n).c_str());
            ImGui::PopID();
        }
    }
    // Where each row is (the first kMaxCards), for the test mode's dump.
    pane.treePanel = {winPos.x, winPos.y + headerH, winSize.x, winSize.y - headerH};
    pane.cards.clear();
    auto rowRect = [&](int i) {
        return Pane::Rect{winPos.x, firstRowY + float(i - firstRow) * rowH,
                          winSize.x - ImGui::GetStyle().ScrollbarSize, rowH};
    };
    if (firstRow >= 0) {
        for (size_t i = 0; i < tree.nodes.size() && i < Pane::kMaxCards; ++i)
            pane.cards.push_back({tree.nodes[i].proc->pid, rowRect(int(i))});
        if (focusIndex >= int(Pane::kMaxCards)) pane.cards.push_back({focus, rowRect(focusIndex)});
    }
    ImGui::EndTable();
    ImGui::PopStyleColor();
}

} // namespace forklab::gui
