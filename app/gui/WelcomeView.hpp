#pragma once
// The single full-window panel shown until the lesson views exist.
#include "app/gui/Fonts.hpp"

#include <string>

namespace forklab {

struct WelcomeInfo {
    std::string glRenderer; // GL_RENDERER of the context, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"
    std::string glVersion;  // GL_VERSION of the context
};

// Draws the panel over the whole main viewport. Call between ImGui::NewFrame() and Render().
void drawWelcomeView(const GuiFonts& fonts, const WelcomeInfo& info);

} // namespace forklab
