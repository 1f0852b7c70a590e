#pragma once
// Small drawing helpers shared by the views: pills, arrows, ellipsised and struck-out text.
#include <imgui.h>

#include <string>

namespace forklab::gui {

// Text shortened with "…" to fit `width` pixels in the current font.
std::string ellipsize(const std::string& text, float width);
// A rounded label; returns its size. `outline` draws the border only (text in `fill`).
ImVec2 pill(ImDrawList* dl, ImVec2 pos, const char* text, ImU32 fill, ImU32 textColour,
            bool outline = false);
ImVec2 pillSize(const char* text);
void arrowHead(ImDrawList* dl, ImVec2 tip, ImVec2 dir, float size, ImU32 colour);
// An ImGui text item with a line through it (what exec closed).
void struckText(const char* text, ImU32 colour);
// "(?)" that shows a wrapped tooltip.
void helpMarker(const char* text);
// Wrapped text in a given colour.
void colouredWrapped(ImU32 colour, const std::string& text);

} // namespace forklab::gui
