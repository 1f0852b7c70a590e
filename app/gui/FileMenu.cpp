#include "app/gui/FileMenu.hpp"

#include "app/gui/Draw.hpp"
#include "app/gui/Theme.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cfloat>
#include <filesystem>
#include <system_error>
#include <utility>

namespace forklab::gui {
namespace {

constexpr const char* kOpen = "Open\u2026";
constexpr const char* kExport = "Export\u2026";
constexpr const char* kPng = "PNG";
// The GLFW backend of ImGui 1.86 fills io.KeysDown[] by GLFW key code: GLFW_KEY_O is 'O'.
constexpr int kKeyO = 'O', kKeyE = 'E', kKeyP = 'P';

float buttonWidth(const char* text) {
    return ImGui::CalcTextSize(text, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2;
}

void tip(const App& app, const char* text) {
    if (!app.file.capturing && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("%s", text);
}

void title(const App& app, const char* text) {
    ImGui::PushFont(app.fonts.bold);
    ImGui::TextUnformatted(text);
    ImGui::PopFont();
}

bool exists(const std::string& path) {
    std::error_code ec;
    return !path.empty() && std::filesystem::exists(path, ec);
}

std::string defaultExportPath(Pane& pane, ExportFormat f) {
    const Session& s = *pane.session;
    return inWorkingDirectory(exportFileName(fileStem(s.trace()), f, stepTag(s)));
}

std::string defaultPngPath(App& app) {
    if (app.panes.empty()) return inWorkingDirectory("forklab.png"); // the welcome page
    const Session& s = *app.panes.front().session;
    std::string stem = fileStem(s.trace());
    if (app.compare && app.panes.size() > 1 && !app.lesson.empty()) stem = app.lesson + "-compare";
    return inWorkingDirectory(pngFileName(stem, stepTag(s)));
}

// A popup that hides what is under it (the theme's popups are slightly see-through).
bool beginOpaquePopup(const char* id) {
    ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_PopupBg);
    bg.w = 1.0f;
    ImGui::PushStyleColor(ImGuiCol_PopupBg, bg);
    const bool open = ImGui::BeginPopup(id);
    ImGui::PopStyleColor();
    if (open && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false))
        ImGui::CloseCurrentPopup(); // drawn once more, gone from the next frame
    return open;
}

// The popups' content width: 36 em, or what the window has room for at a big display scale.
float popupWidth() {
    const float em = ImGui::GetFontSize();
    const float room =
        ImGui::GetMainViewport()->WorkSize.x - 2 * ImGui::GetStyle().WindowPadding.x - 2 * em;
    return std::max(10.0f * em, std::min(36.0f * em, room));
}

// Below the button whose bottom-right corner is `at`, right-aligned to it, inside the window.
void placePopup(ImVec2 at, float width) {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    const float em = ImGui::GetFontSize();
    const float outer = width + 2 * ImGui::GetStyle().WindowPadding.x;
    const float x = std::max(vp->WorkPos.x + em,
                             std::min(at.x - outer, vp->WorkPos.x + vp->WorkSize.x - outer - em));
    ImGui::SetNextWindowPos(ImVec2(x, at.y), ImGuiCond_Appearing);
    ImGui::SetNextWindowSizeConstraints(ImVec2(0, 0), ImVec2(outer, FLT_MAX));
}

// A path field as wide as the popup allows; true when Enter was pressed in it.
bool pathField(const char* id, std::string* path, bool* edited, float width) {
    ImGui::SetNextItemWidth(width);
    const bool enter = ImGui::InputText(
        id, path, ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_AutoSelectAll);
    if (edited && ImGui::IsItemEdited()) *edited = true;
    return enter;
}

void copyPathButton(const char* id, const std::string& path) {
    if (ImGui::Button(id)) ImGui::SetClipboardText(absolutePath(path).c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Copy %s", absolutePath(path).c_str());
}

void drawOpenPopup(App& app, ImVec2 at) {
    const float width = popupWidth();
    placePopup(at, width);
    if (!beginOpaquePopup("open-trace")) return;
    FileState& f = app.file;
    const Palette& pal = palette();
    if (ImGui::IsWindowAppearing()) {
        // The last export if there is one (the usual round trip), else the folder we are in.
        if (f.openError.empty() && !f.lastExport.empty()) f.openPath = f.lastExport;
        if (f.openPath.empty()) f.openPath = inWorkingDirectory("");
    }
    if (ImGui::IsWindowAppearing() || std::exchange(f.refocus, false))
        ImGui::SetKeyboardFocusHere(); // the path field, to type or correct it at once
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    title(app, "Open a recorded trace");
    bool edited = false;
    bool go = pathField("##open-path", &f.openPath, &edited,
                        width - buttonWidth("Open") - ImGui::GetStyle().ItemSpacing.x);
    if (edited) f.openError.clear();
    ImGui::SameLine();
    go |= ImGui::Button("Open");
    ImGui::TextDisabled("A .forklab.jsonl from Export\u2026 or `forklab run \u2026 --export FILE`. "
                        "It replays here: step through it, nothing runs.");
    if (!f.openError.empty()) colouredWrapped(pal.deadlock, f.openError);
    ImGui::PopTextWrapPos();
    if (go) {
        if (app.openTrace(f.openPath))
            ImGui::CloseCurrentPopup();
        else
            f.refocus = true;
    }
    ImGui::EndPopup();
}

void drawExportPopup(App& app, ImVec2 at) {
    const float width = popupWidth();
    placePopup(at, width);
    if (!beginOpaquePopup("export-trace")) return;
    FileState& f = app.file;
    const Palette& pal = palette();
    const ImGuiStyle& style = ImGui::GetStyle();
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    title(app, "Export the trace");
    Pane* pane = app.exportedPane();
    if (!pane) {
        ImGui::TextWrapped("Nothing to export yet: Run a lesson or Open\u2026 a recorded trace.");
        ImGui::PopTextWrapPos();
        ImGui::EndPopup();
        return;
    }
    if (app.compare && app.panes.size() > 1) {
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted("Column");
        for (int i = 0; i < int(app.panes.size()); ++i) {
            ImGui::SameLine();
            const int m = app.panes[size_t(i)].method;
            const std::string label = m >= 0 ? kMethodNames[m] : std::to_string(i + 1);
            if (ImGui::RadioButton(label.c_str(), &f.exportPane, i)) f.exportPathEdited = false;
        }
        pane = app.exportedPane();
    }
    Session& s = *pane->session;
    int format = int(f.exportFormat);
    bool changed = false;
    // Short choices on one line (wrapping at a big scale), what the chosen one is below.
    const char* labels[3] = {"forklab JSONL", "Chrome JSON", "Graphviz DOT"};
    for (int i = 0; i < 3; ++i) {
        if (i) {
            ImGui::SameLine();
            if (ImGui::GetContentRegionAvail().x <
                ImGui::GetFrameHeight() + ImGui::CalcTextSize(labels[i]).x + style.ItemSpacing.x)
                ImGui::NewLine();
        }
        changed |= ImGui::RadioButton(labels[i], &format, i);
    }
    f.exportFormat = ExportFormat(format);
    const std::string what =
        f.exportFormat == ExportFormat::Jsonl
            ? "The whole recording: Open\u2026 replays it here, `forklab replay` in a terminal."
        : f.exportFormat == ExportFormat::Chrome
            ? "The whole recording as a timeline for ui.perfetto.dev or chrome://tracing."
            : "The process tree at " + stepText(s) + ", for slides: `dot -Tsvg` draws it.";
    ImGui::TextDisabled("%s", what.c_str());
    if (changed) f.exportError.clear();
    if (!f.exportPathEdited) f.exportPath = defaultExportPath(*pane, f.exportFormat);
    if (ImGui::IsWindowAppearing() || std::exchange(f.refocus, false))
        ImGui::SetKeyboardFocusHere();
    bool edited = false;
    bool enter = pathField("##export-path", &f.exportPath, &edited,
                           width - buttonWidth("Copy path") - style.ItemSpacing.x);
    if (edited) {
        f.exportPathEdited = true;
        f.exportError.clear();
    }
    ImGui::SameLine();
    copyPathButton("Copy path", f.exportPath);
    if (exists(f.exportPath)) ImGui::TextDisabled("This file exists: Export replaces it.");

    const bool live = s.live();
    ImGui::BeginDisabled(live);
    bool go = ImGui::Button("Export") || (enter && !live);
    ImGui::EndDisabled();
    if (f.exportPathEdited) {
        ImGui::SameLine();
        if (ImGui::Button("Default name")) {
            f.exportPathEdited = false;
            f.exportError.clear();
        }
    }
    if (live)
        colouredWrapped(pal.blocked, "The run is still recording: Export waits until it has "
                                     "finished (Last \u25B6| follows it to the end).");
    if (!f.exportError.empty()) colouredWrapped(pal.deadlock, f.exportError);
    ImGui::PopTextWrapPos();
    if (go) {
        if (app.exportShown(f.exportFormat, f.exportPath))
            ImGui::CloseCurrentPopup();
        else
            f.refocus = true;
    }
    ImGui::EndPopup();
}

} // namespace

float fileButtonsWidth() {
    return buttonWidth(kOpen) + buttonWidth(kExport) + buttonWidth(kPng) +
           ImGui::GetStyle().ItemSpacing.x * 2;
}

void drawFileButtons(App& app) {
    FileState& f = app.file;
    if (ImGui::Button(kOpen)) f.request = FilePopup::Open;
    tip(app, "Replay a recorded .forklab.jsonl (Ctrl+O)");
    const ImVec2 openAt(ImGui::GetItemRectMax().x, ImGui::GetItemRectMax().y);
    ImGui::SameLine();
    ImGui::BeginDisabled(app.panes.empty());
    if (ImGui::Button(kExport)) f.request = FilePopup::Export;
    ImGui::EndDisabled();
    tip(app, app.panes.empty() ? "Nothing to export yet: Run a lesson or Open\u2026 a trace"
                               : "Save this trace as JSONL (replay), Chrome JSON (Perfetto) or "
                                 "the tree at this step as Graphviz DOT (Ctrl+E)");
    const ImVec2 exportAt(ImGui::GetItemRectMax().x, ImGui::GetItemRectMax().y);
    ImGui::SameLine();
    if (ImGui::Button(kPng)) app.savePng(defaultPngPath(app));
    tip(app, "Save the window as it is now as a PNG, for slides, in the current folder (Ctrl+P)");

    if (f.request == FilePopup::Open) ImGui::OpenPopup("open-trace");
    if (f.request == FilePopup::Export) ImGui::OpenPopup("export-trace");
    f.request = FilePopup::None;
    drawOpenPopup(app, openAt);
    drawExportPopup(app, exportAt);
}

void drawFileNotice(App& app) {
    FileState& f = app.file;
    if (f.capturing || f.result.text.empty()) return;
    const Palette& pal = palette();
    const ImGuiStyle& style = ImGui::GetStyle();
    const ImU32 colour = f.result.ok ? pal.good : pal.deadlock;
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour), "%s",
                       f.result.ok ? "\u2713" : "\u2717");
    ImGui::SameLine();
    const bool copy = f.result.ok && !f.result.path.empty();
    const float buttons = (copy ? buttonWidth("Copy path") + style.ItemSpacing.x : 0.0f) +
                          buttonWidth("\u00d7") + style.ItemSpacing.x;
    const float room =
        std::max(ImGui::GetFontSize() * 4, ImGui::GetContentRegionAvail().x - buttons);
    const std::string shown = ellipsize(f.result.text, room);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(f.result.ok ? pal.text : colour), "%s",
                       shown.c_str());
    if (shown != f.result.text && ImGui::IsItemHovered())
        ImGui::SetTooltip("%s", f.result.text.c_str());
    if (copy) {
        ImGui::SameLine();
        copyPathButton("Copy path##notice", f.result.path);
    }
    ImGui::SameLine();
    if (ImGui::Button("\u00d7##dismiss")) f.result = {};
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Dismiss");
}

void handleFileKeys(App& app) {
    const ImGuiIO& io = ImGui::GetIO();
    if (!io.KeyCtrl || io.KeyAlt || io.KeyShift) return;
    if (ImGui::IsKeyPressed(kKeyO, false)) app.file.request = FilePopup::Open;
    if (ImGui::IsKeyPressed(kKeyE, false)) app.file.request = FilePopup::Export;
    if (ImGui::IsKeyPressed(kKeyP, false)) app.savePng(defaultPngPath(app));
}

} // namespace forklab::gui
