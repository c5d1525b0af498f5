// The shipped completions/ and man/ files must equal what the command tree renders, and
// every visible command must have a man page.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/run.hpp"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

TEST_CASE("shipped completions equal `novafeed completion <shell>`") {
  const std::map<std::string, std::string> files = {
      {"bash", "novafeed.bash"}, {"zsh", "_novafeed"}, {"fish", "novafeed.fish"}};
  for (const auto& [shell, file] : files) {
    INFO("shell " << shell << ": regenerate with `novafeed completion " << shell << " > completions/" << file << "`");
    const auto result = nf::test::run_novafeed({"completion", shell});
    REQUIRE(result.exit_code == 0);
    CHECK(result.out == read_file(nf::test::source_dir() + "/completions/" + file));
  }
}

TEST_CASE("shipped man pages equal the generated ones, one per command") {
  const auto dir = std::filesystem::temp_directory_path() / "novafeed-man-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto result = nf::test::run_novafeed({"man", "--output-dir", dir.string()});
  REQUIRE(result.exit_code == 0);
  size_t pages = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++pages;
    const std::string name = entry.path().filename().string();
    INFO("man/" << name << " is stale: regenerate with `novafeed man --output-dir man`");
    CHECK(read_file(entry.path().string()) == read_file(nf::test::source_dir() + "/man/" + name));
  }
  const auto help = nf::test::run_novafeed({"--help"});
  for (const char* command : {"schema", "connectors", "doctor", "config", "completion", "ingest", "serve"}) {
    INFO("command " << command);
    CHECK(help.out.find(std::string("  ") + command + " ") != std::string::npos);
    CHECK(std::filesystem::exists(dir / (std::string("novafeed-") + command + ".1")));
  }
  CHECK(pages >= 15);
}

TEST_CASE("latency refuses a bad gate or sample count with exit 2 before it writes any probe") {
  const auto gate = nf::test::run_novafeed({"latency", "--gate", "p97=1s"});
  CHECK(gate.exit_code == 2);
  CHECK_THAT(gate.err, Catch::Contains("--gate: 'p97=1s'"));
  CHECK(gate.out.empty());
  const auto samples = nf::test::run_novafeed({"latency", "--samples", "0"});
  CHECK(samples.exit_code == 2);
  CHECK_THAT(samples.err, Catch::Contains("--samples 0"));
}

TEST_CASE("usage errors exit 2") {
  CHECK(nf::test::run_novafeed({"--no-such-flag"}).exit_code == 2);
  CHECK(nf::test::run_novafeed({"config", "--print", "--set", "nope.key=1"}).exit_code == 2);
  CHECK(nf::test::run_novafeed({"--help"}).exit_code == 0);
}
