#include "se/controller_client.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/ip.h"
#include "se/control_server.h"

namespace floe::se {
namespace {

using json = nlohmann::json;

constexpr int kWatchSeconds = 25;  // long-poll length; the read timeout allows for it

std::string urlEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::unique_ptr<httplib::Client> makeClient(const ControllerClientOptions& o, int readTimeout) {
  auto c = std::make_unique<httplib::Client>(o.url);
  c->set_basic_auth(o.user, o.password);
  c->set_connection_timeout(2);
  c->set_read_timeout(readTimeout);
  if (o.url.rfind("https://", 0) == 0 && !o.caCert.empty()) c->set_ca_cert_path(o.caCert);
  return c;
}

int prefixLength(const sockaddr* mask) {
  int bits = 0;
  const auto* bytes = mask->sa_family == AF_INET
                          ? reinterpret_cast<const uint8_t*>(
                                &reinterpret_cast<const sockaddr_in*>(mask)->sin_addr)
                          : reinterpret_cast<const uint8_t*>(
                                &reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr);
  const int size = mask->sa_family == AF_INET ? 4 : 16;
  for (int i = 0; i < size; ++i) bits += __builtin_popcount(bytes[i]);
  return bits;
}

}  // namespace

json hostVnics() {
  json out = json::array();
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (const ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || !a->ifa_netmask || !(a->ifa_flags & IFF_UP) ||
        (a->ifa_flags & IFF_LOOPBACK)) {
      continue;
    }
    const int family = a->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    const std::string name = a->ifa_name;
    if (name == "floe0" || name.find(':') != std::string::npos) continue;
    const auto ip = IpAddress::fromSockaddr(a->ifa_addr);
    if (!ip) continue;
    if (family == AF_INET6 && ip->bytes()[0] == 0xfe && (ip->bytes()[1] & 0xc0) == 0x80) {
      continue;  // link-local
    }
    const Prefix prefix(*ip, static_cast<uint8_t>(prefixLength(a->ifa_netmask)));
    // data_vnics list each interface once with one address: on a dual-stack interface the
    // first IPv4 address wins over IPv6 ones, else the first address is kept.
    auto same =
        std::find_if(out.begin(), out.end(), [&](const json& v) { return v["if_name"] == name; });
    if (same == out.end()) {
      out.push_back({{"if_name", name}, {"ip", prefix.toString()}});
    } else if (family == AF_INET &&
               (*same)["ip"].get<std::string>().find(':') != std::string::npos) {
      (*same)["ip"] = prefix.toString();
    }
  }
  freeifaddrs(list);
  return out;
}

// One httplib client per thread: a client is not used from two threads at once.
struct ControllerClient::Http {
  std::unique_ptr<httplib::Client> watch;
  std::unique_ptr<httplib::Client> report;
  // The serviceengine object's uuid: found at registration, or later by the watch thread when
  // the SE started without the controller; the report thread reads it.
  std::mutex mutex;
  std::string uuid;
  std::string getUuid() {
    std::lock_guard lock(mutex);
    return uuid;
  }
  void setUuid(std::string u) {
    std::lock_guard lock(mutex);
    uuid = std::move(u);
  }
  // GET /api/serviceengine?name=NAME → the object, or null.
  json findEngine(const std::string& name) {
    auto res = watch->Get("/api/serviceengine?name=" + urlEncode(name));
    if (!res || res->status != 200) return nullptr;
    const json list = json::parse(res->body, nullptr, false);
    if (!list.is_object() || list.value("count", 0) == 0) return nullptr;
    return list["results"][0];
  }
};

ControllerClient::ControllerClient(ControllerClientOptions options)
    : options_(std::move(options)), http_(std::make_unique<Http>()) {
  http_->watch = makeClient(options_, kWatchSeconds + 10);
  http_->report = makeClient(options_, 5);
}

ControllerClient::~ControllerClient() { stop(); }

bool ControllerClient::writeDocument(const std::string& text) {
  const auto tmp = options_.documentPath.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok && ::rename(tmp.c_str(), options_.documentPath.c_str()) == 0;
}

Status ControllerClient::fetchFirst(std::chrono::seconds timeout) {
  if (options_.url.rfind("http://", 0) != 0 && options_.url.rfind("https://", 0) != 0) {
    return makeError("--controller: \"" + options_.url + "\" is not http://HOST:PORT or https://…");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string problem;
  while (std::chrono::steady_clock::now() < deadline) {
    auto res = http_->watch->Get("/api/configuration/watch");
    if (res && res->status == 401) {
      return makeError("the controller refused the credentials (set FLOE_USER and FLOE_PASSWORD)");
    }
    if (res && res->status == 200) {
      const json body = json::parse(res->body, nullptr, false);
      if (body.is_object() && body.contains("document") && body.contains("version")) {
        if (!writeDocument(body["document"].dump(2))) {
          return makeError(options_.documentPath.string() + ": cannot write the document");
        }
        version_ = body["version"];
        const json engine = http_->findEngine(options_.name);
        if (!engine.is_object()) {
          return makeError("serviceengine " + options_.name +
                           ": no such object on the controller; create it first");
        }
        http_->setUuid(engine["uuid"]);
        fillVnics(engine);
        spdlog::info("controller {}: registered as {}, configuration {}", options_.url,
                     http_->getUuid(), version_);
        return {};
      }
      problem = "the controller's answer is not a watch reply";
    } else {
      problem = res ? "the controller answered " + std::to_string(res->status)
                    : "cannot reach the controller: " + httplib::to_string(res.error());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (std::filesystem::exists(options_.documentPath)) {
    spdlog::warn("controller {}: {}; running the last document {}", options_.url, problem,
                 options_.documentPath.string());
    return {};
  }
  return makeError("controller " + options_.url + ": " + problem);
}

void ControllerClient::fillVnics(const json& engine) {
  if (engine.contains("data_vnics") && !engine["data_vnics"].empty()) return;
  const json vnics = hostVnics();
  const json patch = {{"replace", {{"data_vnics", vnics}}}};
  auto res = http_->watch->Patch("/api/serviceengine/" + http_->getUuid(), patch.dump(),
                                 "application/json");
  if (!res || res->status != 200) {
    spdlog::warn("controller {}: could not fill serviceengine {}'s data_vnics from the host: {}",
                 options_.url, options_.name,
                 res ? res->body : "unreachable: " + httplib::to_string(res.error()));
    return;
  }
  spdlog::info("controller {}: data_vnics of serviceengine {} filled from the host: {}",
               options_.url, options_.name, vnics.dump());
  // The document fetched before does not have them yet: fetch the new version now.
  auto doc = http_->watch->Get("/api/configuration/watch");
  if (doc && doc->status == 200) {
    const json body = json::parse(doc->body, nullptr, false);
    if (body.is_object() && body.contains("document") && writeDocument(body["document"].dump(2))) {
      version_ = body["version"];
    }
  }
}

void ControllerClient::start(std::function<void()> onChange) {
  onChange_ = std::move(onChange);
  watcher_ = std::thread([this] { watchLoop(); });
  reporter_ = std::thread([this] { reportLoop(); });
}

void ControllerClient::stop() {
  if (stopping_.exchange(true)) return;
  // stop() ends a pending long poll; one may start between the watch thread's check of
  // stopping_ and this call, so repeat until the thread is out.
  while (watcher_.joinable() && !watchDone_) {
    http_->watch->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (watcher_.joinable()) watcher_.join();
  if (reporter_.joinable()) reporter_.join();
}

void ControllerClient::watchLoop() {
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = true; }
  } done{watchDone_};
  bool lost = false;
  while (!stopping_) {
    if (http_->getUuid().empty()) {  // started on the last document, without the controller
      const json engine = http_->findEngine(options_.name);
      if (engine.is_object()) http_->setUuid(engine["uuid"]);
    }
    auto res = http_->watch->Get("/api/configuration/watch?since=" + urlEncode(version_) +
                                 "&timeout=" + std::to_string(kWatchSeconds) +
                                 "&serviceengine=" + urlEncode(http_->getUuid()));
    json body;
    if (res && res->status == 200) body = json::parse(res->body, nullptr, false);
    if (!body.is_object() || !body.contains("version") || !body.contains("document")) {
      if (stopping_) break;
      if (!lost) {
        spdlog::warn("controller {}: {}; keeping the last configuration", options_.url,
                     res ? "answered " + std::to_string(res->status)
                         : "unreachable: " + httplib::to_string(res.error()));
      }
      lost = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    if (lost) spdlog::info("controller {}: reachable again", options_.url);
    lost = false;
    if (body.contains("commands")) runCommands(body["commands"]);
    const std::string version = body["version"];
    if (version == version_) continue;
    if (!writeDocument(body["document"].dump(2))) {
      spdlog::error("{}: cannot write the document from the controller",
                    options_.documentPath.string());
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    version_ = version;
    spdlog::info("controller {}: configuration {}", options_.url, version_);
    if (onChange_) onChange_();
  }
}

void ControllerClient::runCommands(const json& commands) {
  if (!commands.is_array()) return;
  for (const auto& c : commands) {
    if (!c.is_object() || !c.contains("id") || !c.contains("command") || !c["id"].is_string() ||
        !c["command"].is_string()) {
      continue;
    }
    const std::string command = c["command"];
    json reply;
    if (command != "switchover") {
      reply = {{"error", "unknown command '" + command + "'"}};
    } else if (auto text = controlRequest(options_.controlSocket, command); text) {
      reply = json::parse(*text, nullptr, false);
      if (reply.is_discarded()) reply = {{"error", "unreadable reply: " + *text}};
    } else {
      reply = {{"error", text.error().message}};
    }
    spdlog::info("controller {}: command {}: {}", options_.url, command, reply.dump());
    http_->watch->Post("/api/serviceengine/" + http_->getUuid() + "/commands/" +
                           c["id"].get<std::string>(),
                       reply.dump(), "application/json");
  }
}

void ControllerClient::reportLoop() {
  while (!stopping_) {
    auto status = controlRequest(options_.controlSocket, "status");
    const std::string uuid = http_->getUuid();
    if (status && !uuid.empty()) {
      http_->report->Put("/api/serviceengine/" + uuid + "/runtime", *status,
                         "application/json");
    }
    for (int i = 0; i < 10 && !stopping_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace floe::se
