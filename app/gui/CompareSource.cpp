// Compare mode's Source panel (SourceView.hpp): one listing of the lesson's program shared by the
// columns, one highlight per column in the column's colour with its name, since columns stepped
// together may stand at different lines (mutex-after-fork's fork parent gives up on its
// deadlocked child, a step spawn's parent never reaches). On a projector's scale, each column's
// line alone.
#include "app/gui/App.hpp"
#include "app/gui/CompareView.hpp"
#include "app/gui/SourceView.hpp"
#include "app/gui/Theme.hpp"

#include <algorithm>
#include <cmath>
#include <imgui.h>

namespace forklab::gui {
namespace {

bool moved(const CompareSource& cs, const std::vector<uint32_t>& lines, size_t i) {
    return i >= cs.scrolledFor.size() || cs.scrolledFor[i] != lines[i];
}

// Narrow: one band per line a column stands at, the columns' names on it, then that line of
// code, wrapped. Records each highlight drawn and whether its band is wholly on screen; brings
// the first band that moved into view.
void drawLines(App& app, const SourceFile& f, const std::vector<SourceMark>& marks, bool fold,
               bool news, CompareSource& cs, const std::vector<uint32_t>& lines) {
    const Palette& pal = palette();
    const float em = ImGui::GetFontSize();
    const float pad = ImGui::GetStyle().FramePadding.x;
    const float thick = std::max(1.0f, em * 0.08f) * (pal.line > 2.0f ? 2.0f : 1.0f);
    const float viewTop = ImGui::GetWindowPos().y;
    const float viewBottom = viewTop + ImGui::GetWindowHeight() -
                             (ImGui::GetScrollMaxX() > 0 ? ImGui::GetStyle().ScrollbarSize : 0.0f);
    ImGui::PushFont(app.fonts.mono ? app.fonts.mono : app.fonts.body);
    float scrollTo = -1;
    std::vector<bool> done(marks.size(), false);
    for (size_t i = 0; i < marks.size(); ++i) {
        if (!marks[i].line || done[i]) continue;
        std::vector<const SourceMark*> here;
        bool bandMoved = false;
        for (size_t j = i; j < marks.size(); ++j)
            if (marks[j].line == marks[i].line) {
                here.push_back(&marks[j]);
                done[j] = true;
                bandMoved |= moved(cs, lines, j);
            }
        const float w = ImGui::GetContentRegionAvail().x;
        const ImVec2 at = ImGui::GetCursorScreenPos();
        // The names, flowed over as many rows as they need.
        float x = at.x + pad, y = at.y + pad;
        const float rowH = ImGui::GetTextLineHeight();
        std::vector<ImVec2> chipAt;
        for (const SourceMark* m : here) {
            const float cw = ImGui::CalcTextSize(m->label.c_str()).x + 0.6f * em;
            if (x > at.x + pad && x + cw > at.x + w - pad) {
                x = at.x + pad;
                y += rowH + 0.25f * em;
            }
            chipAt.emplace_back(x, y);
            x += cw + 0.25f * em;
        }
        const std::string code = shownLine(f, marks[i].line - 1, fold);
        const size_t indent = std::min(code.find_first_not_of(' '), code.size());
        const std::string text = std::to_string(marks[i].line) + "  " + code.substr(indent);
        // The code after the names when there is room for it there, else under them.
        float textX = x + 0.3f * em, textY = y;
        float wrapW = at.x + w - pad - textX;
        if (wrapW < 14.0f * em) {
            textX = at.x + pad;
            textY = y + rowH + 0.25f * em;
            wrapW = w - 2 * pad;
        }
        const ImVec2 size = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrapW);
        const ImVec2 end(at.x + w, std::max(y + rowH, textY + size.y) + pad);
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->AddRectFilled(at, end,
                          here.size() == 1 ? withAlpha(here[0]->colour, 0.22f)
                                           : withAlpha(pal.text, 0.10f));
        dl->AddRect(at, end, here.size() == 1 && pal.line <= 2.0f ? here[0]->colour : pal.text, 0,
                    0, thick);
        for (size_t k = 0; k < here.size(); ++k) drawSourceChip(chipAt[k].x, chipAt[k].y, *here[k]);
        ImGui::SetCursorScreenPos(ImVec2(textX, textY));
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrapW);
        ImGui::TextUnformatted(text.c_str());
        ImGui::PopTextWrapPos();
        ImGui::SetCursorScreenPos(ImVec2(at.x, end.y));
        ImGui::Dummy(ImVec2(w, ImGui::GetStyle().ItemSpacing.y));
        const bool visible = at.y >= viewTop && end.y <= viewBottom;
        for (const SourceMark* m : here) {
            cs.marks.push_back(*m);
            cs.inView.push_back(visible);
        }
        if (news && bandMoved && scrollTo < 0)
            scrollTo = at.y - viewTop + ImGui::GetScrollY() - ImGui::GetStyle().WindowPadding.y;
    }
    ImGui::PopFont();
    if (scrollTo >= 0) ImGui::SetScrollY(std::max(0.0f, std::floor(scrollTo)));
}

} // namespace

std::vector<SourceMark> compareMarks(App& app) {
    std::vector<SourceMark> marks;
    for (size_t i = 0; i < app.panes.size(); ++i) {
        std::string label = columnTitle(app.panes[i]);
        if (label.rfind("CPython ", 0) == 0) label = label.substr(8); // the heading says it
        marks.push_back({sourceAt(app, app.panes[i]).line, paneColour(app, i), label, i});
    }
    return marks;
}

bool compareSourceNarrow(const App& app) {
    const float em = app.fonts.body ? app.fonts.body->FontSize : ImGui::GetFontSize();
    return ImGui::GetMainViewport()->WorkSize.x / em < 60.0f;
}

bool compareSourceShown(const App& app) {
    return app.compareSource.shown.value_or(!compareSourceNarrow(app));
}

void drawCompareSource(App& app) {
    CompareSource& cs = app.compareSource;
    const SourceFile& f = lessonSource(app);
    cs.drawn = true;
    cs.marks.clear();
    cs.inView.clear();
    cs.lines = compareSourceNarrow(app);
    // The panel's title, and the way to fold it (S). On a projector every row counts: the
    // column headers and the names on each line say what it is.
    if (!cs.lines || !f.error.empty()) {
        if (ImGui::ArrowButton("##fold", ImGuiDir_Down)) cs.shown = false;
        if (ImGui::IsItemHovered() && !app.file.capturing) ImGui::SetTooltip("Hide the Source (S)");
        ImGui::SameLine();
        ImGui::PushFont(app.fonts.bold);
        ImGui::TextUnformatted("Source");
        ImGui::PopFont();
        ImGui::SameLine();
        ImGui::TextDisabled("%s", (f.error.empty() ? f.name : f.error).c_str());
        if (!f.error.empty()) return;
        if (ImGui::GetContentRegionAvail().x / ImGui::GetFontSize() > 20.0f) {
            ImGui::SameLine();
            ImGui::TextDisabled("\u00b7 each column's step, in its colour");
        }
    }
    std::vector<SourceMark> marks = compareMarks(app);
    // A column without a line says why, by its colour and name.
    for (size_t i = 0; i < marks.size(); ++i) {
        if (marks[i].line) continue;
        const SourceShown src = sourceAt(app, app.panes[i]);
        const float em = ImGui::GetFontSize();
        const ImVec2 at = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddRectFilled(
            at, ImVec2(at.x + 0.45f * em, at.y + ImGui::GetTextLineHeight()), marks[i].colour);
        ImGui::Dummy(ImVec2(0.45f * em, ImGui::GetTextLineHeight()));
        ImGui::SameLine();
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextDisabled("%s: no line (%s)", marks[i].label.c_str(), src.why.c_str());
        ImGui::PopTextWrapPos();
    }
    // Commentary stays folded while any column's question is open.
    bool fold = false;
    for (auto& p : app.panes) fold |= p.spoilers.pending;
    // New lines (a step, a column arriving) come into view once: all the columns' lines when
    // they fit, else the lines that moved (the news of this step), else the first of those; a
    // reference clicked brings its line. Then the reader may scroll away.
    std::vector<uint32_t> lines;
    for (auto& m : marks) lines.push_back(m.line);
    const bool news = lines != cs.scrolledFor;
    std::vector<std::pair<uint32_t, uint32_t>> spans;
    auto span = [&](bool movedOnly) {
        uint32_t lo = 0, hi = 0;
        for (size_t i = 0; i < lines.size(); ++i) {
            if (!lines[i] || (movedOnly && !moved(cs, lines, i))) continue;
            lo = lo ? std::min(lo, lines[i]) : lines[i];
            hi = std::max(hi, lines[i]);
        }
        if (lo) spans.emplace_back(lo, hi);
    };
    if (cs.scrollTo) {
        spans.emplace_back(cs.scrollTo, cs.scrollTo);
    } else if (news) {
        span(false);
        span(true);
        for (size_t i = 0; i < lines.size(); ++i) // else the first column that moved
            if (lines[i] && moved(cs, lines, i)) {
                spans.emplace_back(lines[i], lines[i]);
                break;
            }
    }
    if (cs.lines) {
        cs.firstVisible = cs.lastVisible = 0; // (a listing's)
        drawLines(app, f, marks, fold, news, cs, lines);
    } else {
        ImGui::BeginChild("listing", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
        const auto [first, last] = drawSourceListing(app, f, marks, marks.size(), fold, spans);
        cs.firstVisible = first;
        cs.lastVisible = last;
        for (auto& m : marks) {
            if (!m.line) continue;
            cs.marks.push_back(m);
            cs.inView.push_back(m.line >= first && m.line <= last);
        }
        ImGui::EndChild();
    }
    cs.scrollTo = 0;
    cs.scrolledFor = lines;
}

} // namespace forklab::gui
