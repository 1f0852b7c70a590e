#pragma once
// The fonts of the GUI: DejaVu Sans rasterised for the display scale, with the default ImGui font
// as a fallback when DejaVu is not installed.
struct ImFont;

namespace forklab {

struct GuiFonts {
    ImFont* body = nullptr;    // default font of every widget
    ImFont* heading = nullptr; // titles; equals body when no bold face is available
    ImFont* bold = nullptr;    // body size, bold: process names, verdicts
    ImFont* mono = nullptr;    // body size, monospaced: fd targets, evidence, addresses
};

// Adds the fonts to the current ImGui context's atlas (before the renderer builds it).
// Prints a note on stderr when it has to fall back to ImGui's built-in font.
GuiFonts loadFonts(float scale);

} // namespace forklab
