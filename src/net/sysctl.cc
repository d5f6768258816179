#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "net/netlink.h"

namespace floe::net {

Result<std::string> writeSysctl(const std::string& path, const std::string& value) {
  const std::string file = "/proc/sys/" + path;
  std::string previous;
  {
    std::ifstream in(file);
    if (!in) return makeError(file + ": " + std::strerror(errno), errno);
    std::getline(in, previous);
  }
  std::ofstream out(file);
  out << value << '\n';
  out.flush();
  if (!out) return makeError(file + ": cannot write '" + value + "': " + std::strerror(errno), errno);
  return previous;
}

}  // namespace floe::net
