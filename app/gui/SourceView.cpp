#include "app/gui/SourceView.hpp"

#include "app/gui/App.hpp"
#include "app/gui/Draw.hpp"
#include "app/gui/Theme.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <imgui.h>
#include <utility>

namespace forklab::gui {
namespace {

constexpr size_t kMaxSourceBytes = 1 << 20; // far more than any lesson
constexpr size_t kMaxSourceLines = 20'000;
constexpr size_t kMaxLineShown = 400; // a longer line is cut when drawn

std::string baseName(std::string_view path) {
    const size_t slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool endsWith(const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Where a trailing comment starts in a line of code (outside string and char literals), or npos.
size_t trailingComment(const std::string& line, bool python) {
    char quote = 0;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote) {
            if (c == '\\')
                ++i;
            else if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (python ? c == '#' : (c == '/' && i + 1 < line.size() && line[i + 1] == '/')) {
            return i;
        }
    }
    return std::string::npos;
}

std::string trimmedStart(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b);
}

// Marks commentary: C++ // and /* */ comments, Python # comments and docstrings (a string that
// stands alone on its lines). The lesson's comments explain the outcome, so they wait for the
// reveal like the other answers.
std::vector<bool> classify(const std::vector<std::string>& lines, bool python) {
    std::vector<bool> out(lines.size(), false);
    bool inBlock = false;
    std::string closer;
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string t = trimmedStart(lines[i]);
        if (inBlock) {
            out[i] = true;
            if (t.find(closer) != std::string::npos) inBlock = false;
            continue;
        }
        if (python) {
            if (t.rfind("#", 0) == 0) {
                out[i] = true;
            } else if (t.rfind("\"\"\"", 0) == 0 || t.rfind("'''", 0) == 0) {
                out[i] = true;
                closer = t.substr(0, 3);
                inBlock = t.find(closer, 3) == std::string::npos;
            }
        } else if (t.rfind("//", 0) == 0) {
            out[i] = true;
        } else if (t.rfind("/*", 0) == 0) {
            out[i] = true;
            closer = "*/";
            inBlock = t.find(closer, 2) == std::string::npos;
        }
    }
    return out;
}

} // namespace

SourceFile readSourceFile(const std::string& path, const std::string& lesson) {
    SourceFile f;
    f.lesson = lesson;
    f.path = path;
    f.name = baseName(path);
    f.python = endsWith(path, ".py");
    if (path.empty()) {
        f.error = "this lesson has no program to show";
        return f;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        f.error = "cannot read " + path;
        return f;
    }
    std::string text(kMaxSourceBytes, '\0');
    in.read(text.data(), std::streamsize(text.size()));
    text.resize(size_t(in.gcount()));
    for (size_t at = 0; at < text.size() && f.lines.size() < kMaxSourceLines;) {
        size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(at, end - at);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::replace(line.begin(), line.end(), '\t', ' ');
        f.lines.push_back(std::move(line));
        at = end + 1;
    }
    f.comment = classify(f.lines, f.python);
    return f;
}

std::string shownLine(const SourceFile& f, size_t index, bool foldComments) {
    if (index >= f.lines.size()) return {};
    const std::string& line = f.lines[index];
    std::string shown = line;
    if (foldComments) {
        const char* mark = f.python ? "# \u2026" : "// \u2026";
        if (f.comment[index]) {
            shown = line.substr(0, line.size() - trimmedStart(line).size()) + mark;
        } else if (size_t c = trailingComment(line, f.python); c != std::string::npos) {
            shown = line.substr(0, c) + mark;
        }
    }
    if (shown.size() > kMaxLineShown) shown = shown.substr(0, kMaxLineShown) + "\u2026";
    return shown;
}

const SourceFile& lessonSource(App& app) {
    if (app.source.lesson != app.lesson || (app.source.path.empty() && app.source.error.empty()))
        app.source = readSourceFile(lessonSourcePath(app.lesson), app.lesson);
    return app.source;
}

SourceShown sourceAt(App& app, Pane& pane) {
    SourceShown s;
    const SourceFile& f = lessonSource(app);
    s.file = f.name;
    s.commentsFolded = pane.spoilers.pending;
    Session& session = *pane.session;
    const Trace& trace = session.trace();
    const TraceIndex& index = session.index();
    const size_t markers = index.markersBefore(session.cursor());
    if (markers == 0) {
        s.why = !session.error().empty() ? "it could not start: " + session.error()
                : index.markers().empty() && session.live() ? "no step reached yet"
                                                            : "before the first step";
        return s;
    }
    const auto& m = trace[index.markers()[markers - 1]].as<ev::Marker>();
    if (m.line == 0) {
        s.why = "the step did not say where it is";
        return s;
    }
    // Bounded again: a replayed file's strings are whatever the file held.
    const std::string_view said = trace.str(m.file);
    s.markerFile = std::string(said.substr(0, std::min<size_t>(said.size(), 256)));
    s.markerLine = m.line;
    if (!f.error.empty()) {
        s.why = f.error;
    } else if (baseName(said) != f.name) {
        s.why = "the step names another file, not the lesson's own";
    } else if (m.line > f.lines.size()) {
        s.why = "the step names a line past the end of " + f.name;
    } else {
        s.line = m.line;
        s.text = shownLine(f, m.line - 1, s.commentsFolded);
    }
    return s;
}

float drawSourceChip(float x, float y, const SourceMark& m) {
    const Palette& pal = palette();
    const float em = ImGui::GetFontSize();
    const float pad = 0.3f * em;
    const float w = ImGui::CalcTextSize(m.label.c_str()).x + 2 * pad;
    const ImVec2 a(x, y), b(x + w, y + ImGui::GetTextLineHeight());
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(a, b, m.colour, 0.25f * em);
    if (pal.line > 2.0f) // high contrast: every shape outlined in black
        dl->AddRect(a, b, pal.text, 0.25f * em, 0, std::max(1.0f, em * 0.08f) * 2.0f);
    dl->AddText(ImVec2(x + pad, y), textOn(m.colour), m.label.c_str());
    return w;
}

// The listing: every line of f, numbered; a band on each marked line (one mark: its colour;
// several columns at one line: neutral, with each column's slot in the gutter and its label).
// Brings the first of `spans` (first..last line) that fits into view, in the middle (none fits:
// the last one's first line near the top). Returns the lines wholly in view.
std::pair<uint32_t, uint32_t>
drawSourceListing(App& app, const SourceFile& f, const std::vector<SourceMark>& marks,
                  size_t gutter, bool fold,
                  const std::vector<std::pair<uint32_t, uint32_t>>& spans) {
    const Palette& pal = palette();
    const float lineH = ImGui::GetTextLineHeightWithSpacing();
    const float em = ImGui::GetFontSize();
    const float slotW = std::floor(0.45f * em);
    const float gutterW = gutter ? float(gutter) * slotW + 0.4f * em : 0.0f;
    const float thick = std::max(1.0f, em * 0.08f) * (pal.line > 2.0f ? 2.0f : 1.0f);
    ImGui::PushFont(app.fonts.mono ? app.fonts.mono : app.fonts.body);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float y0 = ImGui::GetCursorPosY();
    ImGuiListClipper clipper;
    clipper.Begin(int(f.lines.size()), lineH);
    // Lines numbered to the width of the last one.
    const int digits = int(std::to_string(f.lines.size()).size());
    std::vector<const SourceMark*> here;
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            here.clear();
            for (const SourceMark& m : marks)
                if (m.line == uint32_t(i + 1)) here.push_back(&m);
            const ImVec2 at = ImGui::GetCursorScreenPos();
            if (!here.empty()) { // a tinted band: the text stays readable
                const ImVec2 end(at.x + ImGui::GetContentRegionAvail().x + ImGui::GetScrollX(),
                                 at.y + lineH);
                const ImU32 edge =
                    here.size() == 1 && pal.line <= 2.0f ? here[0]->colour : pal.text;
                dl->AddRectFilled(at, end,
                                  here.size() == 1 ? withAlpha(here[0]->colour, 0.22f)
                                                   : withAlpha(pal.text, 0.10f));
                dl->AddRect(at, end, edge, 0, 0, thick);
                // Each column has its own slot in the gutter: the same place at every line.
                for (const SourceMark* m : here) {
                    if (!gutter) break;
                    const float x = at.x + float(m->column) * slotW;
                    dl->AddRectFilled(ImVec2(x + 1, at.y + 1), ImVec2(x + slotW - 1, end.y - 1),
                                      m->colour);
                }
            }
            if (gutter) ImGui::SetCursorScreenPos(ImVec2(at.x + gutterW, at.y));
            ImGui::TextDisabled("%*d", digits, i + 1);
            ImGui::SameLine();
            const std::string text = shownLine(f, size_t(i), fold);
            if (f.comment[size_t(i)] && here.empty())
                ImGui::TextDisabled("%s", text.c_str());
            else
                ImGui::TextUnformatted(text.c_str());
            // The columns' names after the code, kept inside the visible width. Names that
            // would cover the code fold into one ("all 6", "2 columns"; hover for them): the
            // gutter still has each column's colour in its slot.
            float labelsW = 0;
            std::string names;
            for (const SourceMark* m : here) {
                if (m->label.empty()) continue;
                labelsW += ImGui::CalcTextSize(m->label.c_str()).x + 0.85f * em;
                names += (names.empty() ? "" : ", ") + m->label;
            }
            if (labelsW > 0) {
                const float right = dl->GetClipRectMax().x - 0.2f * em;
                const float after = ImGui::GetItemRectMax().x + em;
                std::vector<SourceMark> shownMarks;
                if (after + labelsW > right && here.size() > 1) {
                    const std::string n = std::to_string(here.size());
                    shownMarks.push_back({here[0]->line, pal.text,
                                          here.size() == marks.size() ? "all " + n : n + " columns",
                                          0});
                    labelsW = ImGui::CalcTextSize(shownMarks[0].label.c_str()).x + 0.85f * em;
                } else {
                    for (const SourceMark* m : here) shownMarks.push_back(*m);
                }
                float x = std::max(std::min(after, right - labelsW), at.x + gutterW);
                for (const SourceMark& m : shownMarks)
                    if (!m.label.empty()) x += drawSourceChip(x, at.y, m) + 0.25f * em;
                if (ImGui::IsMouseHoveringRect(at, ImVec2(right, at.y + lineH)) &&
                    !app.file.capturing)
                    ImGui::SetTooltip("Line %d: %s", i + 1, names.c_str());
            }
        }
    }
    ImGui::PopFont();
    // Lines wholly in the child's visible height (content coordinates: y0 is line 1's top).
    const float viewH = ImGui::GetWindowHeight() -
                        (ImGui::GetScrollMaxX() > 0 ? ImGui::GetStyle().ScrollbarSize : 0.0f);
    const float top = ImGui::GetScrollY() - y0;
    const auto first = uint32_t(std::max(0.0f, std::ceil(top / lineH))) + 1;
    // (a line's band is its text plus the spacing below it, which the last line does not have)
    const float textH = ImGui::GetTextLineHeight();
    const auto last = uint32_t(
        std::clamp(std::floor((top + viewH - textH) / lineH) + 1, 0.0f, float(f.lines.size())));
    if (!spans.empty()) {
        float y = (float(spans.back().first) - 2.0f) * lineH;
        for (auto [lo, hi] : spans) {
            const float span = float(hi - lo + 1) * lineH;
            if (span > viewH - 2 * lineH) continue;
            y = float(lo - 1) * lineH + span * 0.5f - viewH * 0.5f;
            break;
        }
        ImGui::SetScrollY(std::max(0.0f, std::floor(y0 + y))); // whole pixels: crisp text
    }
    return {first, std::max(first - 1, last)};
}

void drawSourceView(App& app, Pane& pane) {
    const SourceFile& f = lessonSource(app);
    const SourceShown shown = sourceAt(app, pane);
    if (!f.error.empty()) {
        ImGui::TextDisabled("%s", f.error.c_str());
        return;
    }
    std::vector<SourceMark> marks;
    if (shown.line) marks.push_back({shown.line, palette().keyMarker, {}, 0});
    // A new step brings its line into view (in the middle), once: the reader may scroll away.
    const size_t step = pane.session->index().markersBefore(pane.session->cursor());
    std::vector<std::pair<uint32_t, uint32_t>> spans;
    if (shown.line && pane.sourceScrolledAt != step) {
        pane.sourceScrolledAt = step;
        spans.emplace_back(shown.line, shown.line);
    }
    drawSourceListing(app, f, marks, 0, shown.commentsFolded, spans);
}

void drawSourceStrip(App& app, Pane& pane, const std::string& file) {
    const Palette& pal = palette();
    const SourceShown shown = sourceAt(app, pane);
    if (!shown.line) {
        ImGui::TextDisabled("No line for this step (%s).", shown.why.c_str());
        return;
    }
    ImGui::PushFont(app.fonts.mono ? app.fonts.mono : app.fonts.body);
    const std::string text = std::to_string(shown.line) + "  " + trimmedStart(shown.text);
    const float pad = ImGui::GetStyle().FramePadding.x;
    const float w = ImGui::GetContentRegionAvail().x;
    const ImVec2 at = ImGui::GetCursorScreenPos();
    // One line, cut with an ellipsis (the whole line on hover): on a projector the narration
    // and the step's row below need the height more than the end of the call.
    const std::string cut = ellipsize(text, w - 2 * pad);
    const ImVec2 end(at.x + w, at.y + ImGui::GetFontSize() + 2 * pad);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(at, end, withAlpha(pal.keyMarker, 0.22f));
    dl->AddRect(at, end, pal.keyMarker, 0, 0, std::max(1.0f, ImGui::GetFontSize() * 0.08f));
    ImGui::SetCursorScreenPos(ImVec2(at.x + pad, at.y + pad));
    ImGui::TextUnformatted(cut.c_str());
    if (ImGui::IsItemHovered()) // the file, and the whole line if it was cut
        ImGui::SetTooltip("%s%s", file.empty() ? "" : (file + ", line ").c_str(), text.c_str());
    ImGui::SetCursorScreenPos(ImVec2(at.x, end.y));
    ImGui::Dummy(ImVec2(w, ImGui::GetStyle().ItemSpacing.y));
    ImGui::PopFont();
}

} // namespace forklab::gui
