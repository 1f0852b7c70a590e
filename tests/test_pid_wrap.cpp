// Pids wrap (at 32,768 on many machines): in a long run a new process gets a number an earlier
// one of the same run had. Here the number comes back on purpose: forklab runs in a pid namespace
// of the test's own (unshare, as any user where user namespaces are allowed), whose ns_last_pid
// the test sets between the two children of tests/fixtures/pid_again.c.
#include "CliRunner.hpp"
#include "SandboxHelpers.hpp"
#include "core/trace/TraceReader.hpp"

#include <filesystem>
#include <fstream>

using namespace forklab;
using namespace forklab::test;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return s;
}

// In the namespace: forklab records pid_again; the first child's pid in forklab's namespace is
// found by its innermost pid (NSpid), and ns_last_pid is set just below it before the second.
const char* kScript = R"(D=$1; F=$2; FIX=$3
FORKLAB trace -q --export "$F" -- "$FIX" "$D" & fl=$!
i=0; until [ -s "$D/first" ]; do i=$((i+1)); [ $i -lt 60000 ] || exit 90; sleep 0.001; done
inner=$(cat "$D/first")
outer=
for s in /proc/[0-9]*/status; do
  n=$(sed -n 's/^NSpid:[[:space:]]*//p' "$s" 2>/dev/null | awk '{print $NF}')
  [ "$n" = "$inner" ] && grep -q '^Name:[[:space:]]*pid_again$' "$s" 2>/dev/null || continue
  p=${s#/proc/}; outer=${p%/status}
done
[ -n "$outer" ] || exit 91
echo "$outer" > "$D/outer"
: > "$D/go-first"
i=0; until [ -e "$D/reaped" ]; do i=$((i+1)); [ $i -lt 60000 ] || exit 92; sleep 0.001; done
echo $((outer - 1)) > /proc/sys/kernel/ns_last_pid || exit 93
: > "$D/go-second" # a builtin: a forked touch would take the pid
wait $fl)";

} // namespace

TEST_CASE("a pid used again in one run is a new process, recorded whole", "[sandbox][pids]") {
    char tmpl[] = "/tmp/forklab-pid-wrap-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    const fs::path dir = tmpl;
    const fs::path script = dir / "wrap.sh", exported = dir / "run.jsonl";
    fs::create_directory(dir / "sync");
    {
        std::string text = kScript;
        text.replace(text.find("FORKLAB"), 7, FORKLAB_BINARY);
        std::ofstream(script) << text << "\n";
    }
    CliSplit r = runShellSplit("unshare -Urpf --mount-proc sh " + script.string() + " " +
                               (dir / "sync").string() + " " + exported.string() + " " +
                               fixture("pid_again") + " 2>&1; echo \"rc=$?\"");
    const std::string outer = slurp(dir / "sync" / "outer");
    Trace t;
    auto readError = fs::exists(exported) ? readJsonlFile(exported.string(), t) : "no export";
    fs::remove_all(dir);
    INFO(r.out << r.err);
    if (r.out.find("unshare:") != std::string::npos) {
        WARN("unshare refused a user and pid namespace here: " << r.out);
        return;
    }
    REQUIRE(r.out.find("rc=0") != std::string::npos);
    REQUIRE_FALSE(readError);
    REQUIRE(t.finished());
    const pid_t pid = pid_t(std::stol(outer));

    // Two lives under one number: the first child (exits 3), then the second (execs /bin/true).
    std::vector<size_t> born;
    for (size_t i = 0; i < t.size(); ++i)
        if (t[i].kind == EventKind::Proc && t[i].pid == pid) born.push_back(i);
    if (born.size() < 2) {
        WARN("the pid did not come back (something else took it first): nothing to check");
        return;
    }
    REQUIRE(born.size() == 2);
    auto lifeHas = [&](size_t from, size_t to, auto&& pred) {
        for (size_t i = from; i < to; ++i)
            if (t[i].pid == pid && pred(t[i])) return true;
        return false;
    };
    auto exitSnap = [](const Event& e) {
        return e.kind == EventKind::Snapshot && e.as<ev::Snapshot>().reason == SnapReason::Exit;
    };
    auto exited = [](int code) {
        return [code](const Event& e) {
            return e.kind == EventKind::Exit && e.as<ev::Exit>().status.exited() &&
                   e.as<ev::Exit>().status.exitCode() == code;
        };
    };
    auto exec = [](const Event& e) { return e.kind == EventKind::Exec; };
    CHECK(lifeHas(born[0], born[1], exitSnap));
    CHECK(lifeHas(born[0], born[1], exited(3)));
    // The second life is recorded like any process: its exec, its table as it exited, its exit.
    // (Before, it took over the first one's record: dead, exit snapshot already taken.)
    CHECK(lifeHas(born[1], t.size(), exec));
    CHECK(lifeHas(born[1], t.size(), exitSnap));
    CHECK(lifeHas(born[1], t.size(), exited(0)));
    const auto& end = t[t.size() - 1].as<ev::RunEnd>();
    CHECK(end.rootStatus.exited());
    CHECK(end.rootStatus.exitCode() == 0);
}
