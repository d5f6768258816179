// Runs the shell: interactively on a terminal (GNU readline: line editing, tab completion from
// the schema and the controller's object names, history in ~/.floe_history), or in script mode
// when stdin is not a terminal (one command per line, no prompts).
#pragma once

#include <istream>
#include <ostream>

#include "cli/shell.h"

namespace floe::cli {

// Interactive loop until `exit` at the top level or end of input. Returns 0.
int runInteractive(Shell& shell);

// Script mode: every line of `in` through the shell. Returns 0 when every command succeeded,
// 1 when any failed (the rest still runs); an object left unsaved at the end counts as failed.
int runScript(Shell& shell, std::istream& in, std::ostream& err);

}  // namespace floe::cli
