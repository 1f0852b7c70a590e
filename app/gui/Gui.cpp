#include "app/gui/Gui.hpp"

#include "app/gui/Fonts.hpp"
#include "app/gui/Screenshot.hpp"
#include "app/gui/WelcomeView.hpp"

// glad before GLFW, and GLFW without its own GL header (reference/platform.md §3).
#include <glad/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace forklab {
namespace {

constexpr int kWindowWidth = 1280;
constexpr int kWindowHeight = 800;
constexpr float kMinScale = 0.5f;
constexpr float kMaxScale = 4.0f;

// GLFW reports errors through a callback; the latest one explains a failed glfwInit() or
// glfwCreateWindow(). Only the thread running runGui() touches GLFW.
std::string g_lastGlfwError;

void onGlfwError(int /*code*/, const char* description) {
    g_lastGlfwError = description != nullptr ? description : "unknown error";
}

std::string displayName() {
    const char* display = std::getenv("DISPLAY");
    return display != nullptr ? display : "<unset>";
}

int cannotOpenWindow(const char* what) {
    std::fprintf(stderr,
                 "forklab gui: cannot open a window (DISPLAY=%s: %s). Run `forklab run <lesson>` "
                 "to see a lesson in the terminal, or start the GUI under a desktop session or "
                 "`xvfb-run -a forklab gui`.\n",
                 displayName().c_str(), g_lastGlfwError.empty() ? what : g_lastGlfwError.c_str());
    return kGuiNoDisplay;
}

std::string glString(GLenum name) {
    const GLubyte* text = glGetString(name);
    return text != nullptr ? reinterpret_cast<const char*>(text) : "?";
}

float sanitisedScale(float scale) {
    if (!std::isfinite(scale) || scale <= 0.0f) {
        std::fprintf(stderr, "forklab gui: note: display scale %g is not usable, using 1\n",
                     static_cast<double>(scale));
        return 1.0f;
    }
    return std::clamp(scale, kMinScale, kMaxScale);
}

// Owns GLFW for the duration of runGui(): every return path terminates it.
struct GlfwSession {
    GLFWwindow* window = nullptr;
    bool initialised = false;
    ~GlfwSession() {
        if (window != nullptr) glfwDestroyWindow(window);
        if (initialised) glfwTerminate();
    }
};

// Owns the ImGui context and its two backends once they are initialised.
struct ImGuiSession {
    bool context = false;
    bool platform = false;
    bool renderer = false;
    ~ImGuiSession() {
        if (renderer) ImGui_ImplOpenGL3_Shutdown();
        if (platform) ImGui_ImplGlfw_Shutdown();
        if (context) ImGui::DestroyContext();
    }
};

} // namespace

int runGui(const GuiOptions& options) {
    const float scale = sanitisedScale(options.scale);
    const bool interactive = options.frames <= 0;

    g_lastGlfwError.clear();
    glfwSetErrorCallback(onGlfwError);

    GlfwSession glfw;
    glfw.initialised = glfwInit() == GLFW_TRUE;
    if (!glfw.initialised) return cannotOpenWindow("glfwInit failed");

    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_VISIBLE, options.hidden ? GLFW_FALSE : GLFW_TRUE);
    glfw.window = glfwCreateWindow(kWindowWidth, kWindowHeight, "forklab", nullptr, nullptr);
    if (glfw.window == nullptr) return cannotOpenWindow("no OpenGL 3.3 core context");
    glfwMakeContextCurrent(glfw.window);
    // Interactive: follow the display. Fixed frame count (tests, screenshots): do not wait.
    glfwSwapInterval(interactive ? 1 : 0);

    // glad first: the app's own GL calls need it. The ImGui OpenGL3 backend from libimgui.a
    // loads its own copy of the entry points in ImGui_ImplOpenGL3_Init().
    if (gladLoadGL(glfwGetProcAddress) == 0) {
        g_lastGlfwError.clear();
        return cannotOpenWindow("could not load the OpenGL 3.3 functions");
    }
    const WelcomeInfo info{glString(GL_RENDERER), glString(GL_VERSION)};

    IMGUI_CHECKVERSION();
    ImGuiSession imgui;
    ImGui::CreateContext();
    imgui.context = true;
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // never write imgui.ini into the working directory

    ImGui::StyleColorsDark();
    ImGui::GetStyle().ScaleAllSizes(scale);
    const GuiFonts fonts = loadFonts(scale);

    imgui.platform = ImGui_ImplGlfw_InitForOpenGL(glfw.window, true);
    imgui.renderer = imgui.platform && ImGui_ImplOpenGL3_Init("#version 330 core");
    if (!imgui.renderer) {
        std::fprintf(stderr, "forklab gui: the ImGui OpenGL 3 renderer could not start\n");
        return kGuiNoDisplay;
    }

    bool screenshotOk = true;
    for (int frame = 1;; ++frame) {
        glfwPollEvents();
        const bool closing = glfwWindowShouldClose(glfw.window) == GLFW_TRUE;
        const bool last = closing || (!interactive && frame >= options.frames);
        // A closed window needs one more frame only to have something to photograph.
        if (closing && options.screenshot.empty()) break;

        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        drawWelcomeView(fonts, info);
        ImGui::Render();

        int width = 0;
        int height = 0;
        glfwGetFramebufferSize(glfw.window, &width, &height);
        glViewport(0, 0, width, height);
        const ImVec4 background = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
        glClearColor(background.x, background.y, background.z, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

        if (last && !options.screenshot.empty())
            screenshotOk = writeScreenshot(options.screenshot, width, height);
        glfwSwapBuffers(glfw.window);
        if (last) break;
    }

    return screenshotOk ? kGuiOk : kGuiScreenshotFailed;
}

} // namespace forklab
