#include "app/gui/Screenshot.hpp"

#include <glad/gl.h>
#include <stb_image_write.h> // the implementation is in Debian's libstb.so: do not define it here

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace forklab {

namespace {

bool fail(std::string* error, const std::string& why) {
    if (error)
        *error = why;
    else
        std::fprintf(stderr, "forklab gui: %s\n", why.c_str());
    return false;
}

} // namespace

bool writeScreenshot(const std::string& path, int width, int height, std::string* error) {
    if (width <= 0 || height <= 0)
        return fail(error, "cannot write " + path + ": the framebuffer is " +
                               std::to_string(width) + "x" + std::to_string(height));

    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(parent, ec);
        if (ec)
            return fail(error, "cannot create directory " + parent.string() + ": " + ec.message());
    }

    const int stride = width * 4;
    std::vector<unsigned char> pixels(static_cast<std::size_t>(stride) *
                                      static_cast<std::size_t>(height));
    while (glGetError() != GL_NO_ERROR) {
        // Drop errors left by earlier calls so that the check below is about the read.
    }
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    if (const GLenum gl = glGetError(); gl != GL_NO_ERROR) {
        char code[16];
        std::snprintf(code, sizeof code, "0x%04x", gl);
        return fail(error,
                    "cannot write " + path + ": glReadPixels failed (GL error " + code + ")");
    }

    // The window is opaque; drop whatever alpha the default framebuffer happens to hold.
    for (std::size_t i = 3; i < pixels.size(); i += 4) pixels[i] = 255;

    stbi_flip_vertically_on_write(1); // GL rows go bottom-up, PNG rows top-down
    const int ok = stbi_write_png(path.c_str(), width, height, 4, pixels.data(), stride);
    stbi_flip_vertically_on_write(0);
    if (ok == 0) return fail(error, "cannot write " + path);
    return true;
}

} // namespace forklab
