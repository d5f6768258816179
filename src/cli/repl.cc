#include "cli/repl.h"

// clang-format off
#include <cstdio>
#include <readline/readline.h>
#include <readline/history.h>
// clang-format on

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace floe::cli {
namespace {

// readline's completion hooks are plain C functions: they reach the shell through this
// pointer, set only while runInteractive() runs.
Shell* gShell = nullptr;
std::vector<std::string> gCandidates;

char* candidate(const char* /*text*/, int state) {
  if (static_cast<size_t>(state) >= gCandidates.size()) return nullptr;
  return strdup(gCandidates[static_cast<size_t>(state)].c_str());
}

char** completeLine(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // no file-name completion
  const std::string before(rl_line_buffer, static_cast<size_t>(start));
  gCandidates = gShell->complete(before + text);
  return rl_completion_matches(text, candidate);
}

std::string historyFile() {
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.floe_history";
}

}  // namespace

int runInteractive(Shell& shell) {
  gShell = &shell;
  rl_attempted_completion_function = completeLine;
  const std::string history = historyFile();
  using_history();
  stifle_history(1000);
  read_history(history.c_str());
  while (!shell.finished()) {
    char* raw = readline(shell.prompt().c_str());
    if (!raw) break;  // Ctrl-D
    std::string line(raw);
    std::free(raw);
    if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
    shell.execute(line);
  }
  write_history(history.c_str());
  gShell = nullptr;
  return 0;
}

int runScript(Shell& shell, std::istream& in, std::ostream& err) {
  int failed = 0;
  std::string line;
  size_t number = 0;
  while (!shell.finished() && std::getline(in, line)) {
    ++number;
    if (!shell.execute(line)) {
      ++failed;
      err << "floe: line " << number << " failed: " << line << "\n";
    }
  }
  if (shell.editing()) {
    err << "floe: the input ended with an unsaved object (" << shell.prompt()
        << "); type save to send it\n";
    ++failed;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace floe::cli
