#pragma once
// Colours of the views, one palette per (theme, colour-blind-safe) choice, and the ImGui style
// that goes with it. Views read the current palette like they read ImGui::GetStyle().
#include "app/gui/Model.hpp"
#include "app/gui/Settings.hpp"

#include <imgui.h>

namespace forklab::gui {

struct Palette {
    ImU32 start[9]; // by StartKind
    ImU32 deadlock; // vermillion: deadlocks, kills, leaks
    ImU32 blocked;  // waits
    ImU32 good;     // ran and exited cleanly
    ImU32 text, textDim, textOnAccent;
    ImU32 primary, textOnPrimary; // Run and Next step, the buttons a teacher looks for
    ImU32 canvas, card, cardDim, cardBorder, selection;
    ImU32 grid, cursor, marker, keyMarker, lifeline;
    ImU32 markerText; // the step number on a timeline flag
    ImU32 column[7];  // compare mode's columns (their Source highlights): Okabe & Ito
    // The row a step points at (StepRow.hpp): a fill behind it and a bar beside it, visible on a
    // projector in every theme (yellow on dark, blue on light, black on yellow in high contrast).
    ImU32 focusFill, focusLine;
    float line; // base line thickness in pixels at scale 1
    bool light; // light background
};

const Palette& palette();
ImU32 startColour(StartKind k);
// Compare column i's colour (its swatch and its Source highlight), and a text colour on it.
ImU32 columnColour(size_t i);
ImU32 textOn(ImU32 fill);
// Sets the ImGui style (colours, sizes scaled by `scale`) and the palette.
void applyTheme(Theme theme, bool colourBlindSafe, float scale);
ImU32 withAlpha(ImU32 c, float alpha);

} // namespace forklab::gui
