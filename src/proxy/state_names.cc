#include "proxy/engine.h"

namespace floe::proxy {

const char* toString(ServerState s) {
  switch (s) {
    case ServerState::kUp: return "UP";
    case ServerState::kDown: return "DOWN";
    case ServerState::kDisabled: return "DISABLED";
    case ServerState::kUnknown: return "UNKNOWN";
  }
  return "?";
}

}  // namespace floe::proxy
