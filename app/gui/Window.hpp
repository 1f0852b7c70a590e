#pragma once
// The GLFW window with its OpenGL 3.3 context and the ImGui context + backends, owned together
// so every return path shuts them down in order. Used by the GUI and by `bench frame`.
#include "app/gui/Fonts.hpp"

#include <string>

struct GLFWwindow;

namespace forklab::gui {

class Window {
  public:
    Window() = default;
    Window(const Window&) = delete;
    ~Window();

    // Opens the window; false (and a message on stderr saying what to do) when there is no
    // display or no OpenGL 3.3.
    bool open(int width, int height, bool hidden, bool vsync);
    const std::string& glInfo() const { return glInfo_; }

    // Rasterises the fonts for `scale` (call between frames; the first time before any frame).
    GuiFonts loadFonts(float scale);

    bool shouldClose() const;
    // Polls events (idle: sleeps until an event or 0.1 s), backends, ImGui::NewFrame.
    // noMouse: the pointer is off the window (test mode: no hover tooltips in screenshots).
    void newFrame(bool idle = false, bool noMouse = false);
    void render();   // ImGui::Render + renderGL()
    void renderGL(); // draws the ImGui draw data (after ImGui::Render), no swap
    void finish();   // glFinish: wait for the GPU (benchmarks)
    // A PNG of the back buffer (after render, before swap); *error says why not (else stderr).
    bool screenshot(const std::string& path, std::string* error = nullptr);
    void framebufferSize(int* width, int* height) const;
    void swap();

  private:
    GLFWwindow* window_ = nullptr;
    bool glfw_ = false, context_ = false, platform_ = false, renderer_ = false;
    bool fontsUploaded_ = false;
    std::string glInfo_;
};

} // namespace forklab::gui
