#pragma once
// A PNG of the current OpenGL read buffer (the back buffer after rendering, before the swap).
#include <string>

namespace forklab {

// Reads width x height RGBA pixels from the back buffer and writes them as a PNG, creating the
// parent directories of `path`. Returns false and prints why on stderr if it fails.
bool writeScreenshot(const std::string& path, int width, int height);

} // namespace forklab
