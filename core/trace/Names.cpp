#include "Names.hpp"

#include "core/base/Text.hpp"

namespace forklab {
namespace {

std::string_view base(std::string_view p) {
    auto slash = p.rfind('/');
    return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

} // namespace

std::string processName(std::string_view argv0, std::string_view path) {
    std::string_view name = base(argv0);
    if (name.empty()) name = base(path);
    return printable(name, kProcessNameMax);
}

std::string processNameOfArgv(std::string_view nulSeparated, std::string_view path) {
    return processName(nulSeparated.substr(0, nulSeparated.find('\0')), path);
}

} // namespace forklab
