#include "app/gui/Window.hpp"

#include "app/gui/Controls.hpp"
#include "app/gui/Screenshot.hpp"

// glad before GLFW, and GLFW without its own GL header (reference/platform.md §3).
#include <glad/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <cfloat>
#include <cstdio>
#include <cstdlib>

namespace forklab::gui {
namespace {

// GLFW reports errors through a callback; the latest one explains a failed glfwInit() or
// glfwCreateWindow(). Only the GUI thread touches GLFW.
std::string g_lastGlfwError;

void onGlfwError(int /*code*/, const char* description) {
    g_lastGlfwError = description != nullptr ? description : "unknown error";
}

bool cannotOpenWindow(const char* what) {
    const char* display = std::getenv("DISPLAY");
    std::fprintf(stderr,
                 "forklab gui: cannot open a window (DISPLAY=%s: %s). Run `forklab run <lesson>` "
                 "to see a lesson in the terminal, or start the GUI under a desktop session or "
                 "`xvfb-run -a forklab gui`.\n",
                 display ? display : "<unset>",
                 g_lastGlfwError.empty() ? what : g_lastGlfwError.c_str());
    return false;
}

std::string glString(GLenum name) {
    const GLubyte* text = glGetString(name);
    return text != nullptr ? reinterpret_cast<const char*>(text) : "?";
}

} // namespace

Window::~Window() {
    if (renderer_) ImGui_ImplOpenGL3_Shutdown();
    if (platform_) ImGui_ImplGlfw_Shutdown();
    if (context_) ImGui::DestroyContext();
    if (window_ != nullptr) glfwDestroyWindow(window_);
    if (glfw_) glfwTerminate();
}

bool Window::open(int width, int height, bool hidden, bool vsync) {
    g_lastGlfwError.clear();
    glfwSetErrorCallback(onGlfwError);
    glfw_ = glfwInit() == GLFW_TRUE;
    if (!glfw_) return cannotOpenWindow("glfwInit failed");
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_VISIBLE, hidden ? GLFW_FALSE : GLFW_TRUE);
    window_ = glfwCreateWindow(width, height, "forklab", nullptr, nullptr);
    if (window_ == nullptr) return cannotOpenWindow("no OpenGL 3.3 core context");
    glfwMakeContextCurrent(window_);
    glfwSwapInterval(vsync ? 1 : 0);
    // glad first: the app's own GL calls need it. The ImGui OpenGL3 backend from libimgui.a
    // loads its own copy of the entry points in ImGui_ImplOpenGL3_Init().
    if (gladLoadGL(glfwGetProcAddress) == 0) {
        g_lastGlfwError.clear();
        return cannotOpenWindow("could not load the OpenGL 3.3 functions");
    }
    glInfo_ = "OpenGL " + glString(GL_VERSION) + " on " + glString(GL_RENDERER);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    context_ = true;
    ImGui::GetIO().IniFilename = nullptr; // the layout is fixed; our settings live elsewhere
    platform_ = ImGui_ImplGlfw_InitForOpenGL(window_, true);
    // Ours first, then ImGui's: every press is queued, however short the tap (Controls.hpp).
    static GLFWkeyfun imguiKeys = nullptr;
    imguiKeys =
        glfwSetKeyCallback(window_, [](GLFWwindow* w, int key, int sc, int action, int mods) {
            // Held arrows repeat; a held Space or PgDn is one step (the run goes on one gate).
            const bool arrow = key >= GLFW_KEY_RIGHT && key <= GLFW_KEY_UP;
            if (action == GLFW_PRESS || (action == GLFW_REPEAT && arrow)) queueKeyPress(key, mods);
            if (imguiKeys) imguiKeys(w, key, sc, action, mods);
        });
    renderer_ = platform_ && ImGui_ImplOpenGL3_Init("#version 330 core");
    if (!renderer_) {
        std::fprintf(stderr, "forklab gui: the ImGui OpenGL 3 renderer could not start\n");
        return false;
    }
    return true;
}

GuiFonts Window::loadFonts(float scale) {
    ImGuiIO& io = ImGui::GetIO();
    if (fontsUploaded_) ImGui_ImplOpenGL3_DestroyFontsTexture();
    io.Fonts->Clear();
    GuiFonts fonts = forklab::loadFonts(scale);
    // The first NewFrame uploads the atlas itself; later rebuilds upload here.
    if (fontsUploaded_) ImGui_ImplOpenGL3_CreateFontsTexture();
    fontsUploaded_ = true;
    return fonts;
}

bool Window::shouldClose() const {
    return glfwWindowShouldClose(window_) == GLFW_TRUE;
}

void Window::newFrame(bool idle, bool noMouse) {
    // Nothing recording: sleep until the user does something rather than spin.
    if (idle)
        glfwWaitEventsTimeout(0.1);
    else
        glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    if (noMouse) ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    ImGui::NewFrame();
}

void Window::render() {
    ImGui::Render();
    renderGL();
}

void Window::renderGL() {
    int width = 0, height = 0;
    glfwGetFramebufferSize(window_, &width, &height);
    glViewport(0, 0, width, height);
    const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    glClearColor(bg.x, bg.y, bg.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void Window::finish() {
    glFinish();
}

bool Window::screenshot(const std::string& path, std::string* error) {
    int width = 0, height = 0;
    framebufferSize(&width, &height);
    return writeScreenshot(path, width, height, error);
}

void Window::framebufferSize(int* width, int* height) const {
    glfwGetFramebufferSize(window_, width, height);
}

void Window::swap() {
    glfwSwapBuffers(window_);
}

} // namespace forklab::gui
