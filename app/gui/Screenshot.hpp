#pragma once
// A PNG of the current OpenGL read buffer (the back buffer after rendering, before the swap).
#include <string>

namespace forklab {

// Reads width x height RGBA pixels from the back buffer and writes them as a PNG, creating the
// parent directories of `path`. Returns false if it fails, and says why in *error (or, without
// one, on stderr).
bool writeScreenshot(const std::string& path, int width, int height, std::string* error = nullptr);

} // namespace forklab
