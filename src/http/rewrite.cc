#include "http/rewrite.h"

#include <algorithm>

namespace floe::http {

namespace {

std::string lowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Comma-separated list elements of every field named `name`, lower-cased, empties dropped.
std::vector<std::string> listTokens(const MessageHead& head, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& f : head.fields) {
    if (!equalsIgnoreCase(f.name, name)) continue;
    std::string_view rest = f.value;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      if (!item.empty()) out.push_back(lowerCopy(item));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void addField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

std::string versionText(const MessageHead& h) {
  return std::to_string(h.version_major) + "." + std::to_string(h.version_minor);
}

}  // namespace

std::vector<std::string> connectionTokens(const MessageHead& head) {
  return listTokens(head, "Connection");
}

bool isHopByHop(std::string_view name, const std::vector<std::string>& connection_tokens) {
  using namespace std::string_view_literals;
  // Framing and Host are end-to-end no matter what Connection says.
  for (std::string_view kept : {"host"sv, "content-length"sv, "transfer-encoding"sv}) {
    if (equalsIgnoreCase(name, kept)) return false;
  }
  for (std::string_view hop :
       {"connection"sv, "keep-alive"sv, "proxy-connection"sv, "te"sv, "upgrade"sv}) {
    if (equalsIgnoreCase(name, hop)) return true;
  }
  for (const std::string& token : connection_tokens) {
    if (equalsIgnoreCase(name, token)) return true;
  }
  return false;
}

bool isWebSocketUpgrade(const MessageHead& request) {
  return request.method == "GET" && request.version_major == 1 && request.version_minor >= 1 &&
         contains(listTokens(request, "Upgrade"), "websocket") &&
         contains(connectionTokens(request), "upgrade");
}

bool shouldTunnel(const MessageHead& request, const RewriteOptions& options) {
  if (!request.upgrade || request.method == "CONNECT") return false;
  if (!contains(connectionTokens(request), "upgrade")) return false;
  if (isWebSocketUpgrade(request)) return options.websockets_enabled;
  return true;
}

ExpectAction decideExpect(const MessageHead& request) {
  const std::vector<std::string> tokens = listTokens(request, "Expect");
  if (request.count("Expect") == 0) return ExpectAction::kNone;
  if (tokens.size() != 1 || tokens.front() != "100-continue") return ExpectAction::kReject;
  if (request.version_major == 1 && request.version_minor == 0) return ExpectAction::kStrip;
  if (request.framing == Framing::kNone) return ExpectAction::kStrip;
  return ExpectAction::kForward;
}

std::string rewriteRequestHead(const MessageHead& request, const ClientInfo& client,
                               const RewriteOptions& options, bool tunnel, ExpectAction expect) {
  const std::vector<std::string> conn = connectionTokens(request);
  const std::string xff_name =
      options.xff_alternate_name.empty() ? "X-Forwarded-For" : options.xff_alternate_name;
  std::string out;
  out.reserve(256 + request.target.size() + request.fields.size() * 32);
  out.append(request.method).append(" ").append(request.target);
  out.append(" HTTP/").append(versionText(request)).append("\r\n");
  std::string xff;
  std::string via;
  for (const auto& f : request.fields) {
    if (isHopByHop(f.name, conn)) continue;
    if (options.xff_enabled && equalsIgnoreCase(f.name, xff_name)) {
      if (!f.value.empty()) xff.append(xff.empty() ? "" : ", ").append(f.value);
      continue;
    }
    if (options.x_forwarded_proto_enabled && equalsIgnoreCase(f.name, "X-Forwarded-Proto")) {
      continue;  // the client's claim is not trusted; ours replaces it
    }
    if (options.via_enabled && equalsIgnoreCase(f.name, "Via")) {
      via.append(via.empty() ? "" : ", ").append(f.value);
      continue;
    }
    if (expect == ExpectAction::kStrip && equalsIgnoreCase(f.name, "Expect")) continue;
    addField(out, f.name, f.value);
  }
  if (options.xff_enabled) {
    xff.append(xff.empty() ? "" : ", ").append(client.ip);
    addField(out, xff_name, xff);
  }
  if (options.x_forwarded_proto_enabled) {
    addField(out, "X-Forwarded-Proto", client.tls ? "https" : "http");
  }
  if (options.via_enabled) {
    via.append(via.empty() ? "" : ", ").append(versionText(request)).append(" ");
    via.append(options.via_pseudonym);
    addField(out, "Via", via);
  }
  if (tunnel) {
    for (const auto& f : request.fields) {
      if (equalsIgnoreCase(f.name, "Upgrade")) addField(out, f.name, f.value);
    }
    addField(out, "Connection", "Upgrade");
  }
  out.append("\r\n");
  return out;
}

std::string rewriteResponseHead(const MessageHead& response, const RewriteOptions& options,
                                bool client_keep_alive, int client_minor_version, bool tunnel) {
  const std::vector<std::string> conn = connectionTokens(response);
  std::string out;
  out.reserve(256 + response.fields.size() * 32);
  out.append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
  out.append(response.reason).append("\r\n");
  std::string via;
  for (const auto& f : response.fields) {
    if (isHopByHop(f.name, conn)) continue;
    if (options.via_enabled && equalsIgnoreCase(f.name, "Via")) {
      via.append(via.empty() ? "" : ", ").append(f.value);
      continue;
    }
    addField(out, f.name, f.value);
  }
  if (options.via_enabled) {
    via.append(via.empty() ? "" : ", ").append(versionText(response)).append(" ");
    via.append(options.via_pseudonym);
    addField(out, "Via", via);
  }
  if (tunnel) {
    for (const auto& f : response.fields) {
      if (equalsIgnoreCase(f.name, "Upgrade")) addField(out, f.name, f.value);
    }
    addField(out, "Connection", "Upgrade");
  } else if (response.status / 100 == 1) {
    // Interim responses carry no connection decision.
  } else if (!client_keep_alive) {
    addField(out, "Connection", "close");
  } else if (client_minor_version == 0) {
    addField(out, "Connection", "keep-alive");
  }
  out.append("\r\n");
  return out;
}

}  // namespace floe::http
