#include "StartMethod.hpp"

namespace forklab {

const char* toString(StartMethod m) {
    switch (m) {
    case StartMethod::Fork:
        return "fork";
    case StartMethod::Spawn:
        return "spawn";
    case StartMethod::Forkserver:
        return "forkserver";
    }
    return "?";
}

std::optional<StartMethod> parseStartMethod(const std::string& s) {
    for (StartMethod m : kAllMethods)
        if (s == toString(m)) return m;
    return std::nullopt;
}

} // namespace forklab
