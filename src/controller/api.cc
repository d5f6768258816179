#include "controller/api.h"

#include <charconv>

#include "controller/password.h"

namespace floe::controller {
namespace {

using json = nlohmann::json;

HttpResponse jsonResponse(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  if (status != 204) r.body = body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  return r;
}

HttpResponse errorResponse(int status, const std::vector<std::string>& errors) {
  json body = {{"error", errors.empty() ? std::string("error") : errors.front()},
               {"errors", errors}};
  return jsonResponse(status, body);
}

HttpResponse errorResponse(int status, const std::string& error) {
  return errorResponse(status, std::vector<std::string>{error});
}

HttpResponse reply(const std::variant<ApiReply, ApiError>& outcome) {
  if (const auto* error = std::get_if<ApiError>(&outcome)) {
    return errorResponse(error->status, error->errors);
  }
  const auto& ok = std::get<ApiReply>(outcome);
  return jsonResponse(ok.status, ok.body);
}

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    const auto slash = path.find('/', pos);
    const auto end = slash == std::string::npos ? path.size() : slash;
    if (end > pos) parts.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return parts;
}

const std::string* param(const HttpRequest& r, const std::string& key) {
  const auto it = r.query.find(key);
  return it == r.query.end() ? nullptr : &it->second;
}

std::optional<size_t> positive(const std::string& text) {
  size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

std::string percentEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ',') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// The request body as JSON, or the 400 to return.
std::variant<json, HttpResponse> parseBody(const HttpRequest& request) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return errorResponse(400, "body: is not valid JSON; send a JSON object");
  }
  return body;
}

}  // namespace

Api::Api(ObjectService& objects, Auth& auth)
    : objects_(objects), auth_(auth), epoch_(randomHex(4)) {}

std::string Api::version() const { return epoch_ + "-" + std::to_string(objects_.generation()); }

void Api::shutdown() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  changed_.notify_all();
}

HttpResponse Api::watch(const HttpRequest& request, std::unique_lock<std::mutex>& lock) {
  int timeout = 30;
  if (const std::string* t = param(request, "timeout")) {
    const auto v = positive(*t);
    if (!v || *v > 60) return errorResponse(400, "timeout: must be 1-60 seconds, got \"" + *t + "\"");
    timeout = static_cast<int>(*v);
  }
  const std::string* since = param(request, "since");
  const std::string* engine = param(request, "serviceengine");
  auto commandWaits = [&] {
    if (!engine) return false;
    const auto it = pending_.find(*engine);
    return it != pending_.end() && !it->second.empty();
  };
  if (since) {
    changed_.wait_for(lock, std::chrono::seconds(timeout),
                      [&] { return stopping_ || version() != *since || commandWaits(); });
  }
  json out = {{"version", version()}, {"document", objects_.exportDocument()}};
  if (commandWaits()) {
    json commands = json::array();
    for (const auto& c : pending_[*engine]) commands.push_back({{"id", c.id}, {"command", c.command}});
    pending_.erase(*engine);
    out["commands"] = std::move(commands);
  }
  return jsonResponse(200, out);
}

bool Api::connected(const std::string& uuid) const {
  const auto it = runtime_.find(uuid);
  return it != runtime_.end() && std::chrono::steady_clock::now() - it->second.at < kRuntimeFresh;
}

HttpResponse Api::relay(const std::string& uuid, const std::string& command,
                        std::unique_lock<std::mutex>& lock) {
  auto se = objects_.get("serviceengine", uuid);
  if (!se) return errorResponse(404, "no serviceengine has uuid \"" + uuid + "\"");
  const std::string name = (*se)["name"];
  const std::string path = "serviceengine[" + name + "]";
  if (!connected(uuid)) {
    return errorResponse(409, path + ": not connected to this controller (no runtime report for " +
                                  std::to_string(kRuntimeFresh.count()) +
                                  " s); run `floe-se " + command + " --name " + name +
                                  "` on its host");
  }
  const std::string id = std::to_string(nextCommand_++);
  pending_[uuid].push_back({id, command});
  changed_.notify_all();
  const bool answered = changed_.wait_for(lock, kCommandTimeout, [&] {
    return stopping_ || replies_.count(id) > 0;
  });
  if (!answered || !replies_.count(id)) {
    auto& queue = pending_[uuid];
    std::erase_if(queue, [&](const Command& c) { return c.id == id; });
    return errorResponse(409, path + ": no answer to " + command + " within " +
                                  std::to_string(kCommandTimeout.count()) + " s");
  }
  json reply = std::move(replies_[id]);
  replies_.erase(id);
  if (reply.is_object() && reply.contains("error")) {
    return errorResponse(409, path + ": " + (reply["error"].is_string()
                                                  ? reply["error"].get<std::string>()
                                                  : reply["error"].dump()));
  }
  return jsonResponse(200, reply);
}

HttpResponse Api::runtime(const std::string& type, const std::string& uuid,
                          const HttpRequest& request) {
  auto object = objects_.get(type, uuid);
  if (!object) return errorResponse(404, "no " + type + " has uuid \"" + uuid + "\"");
  const auto now = std::chrono::steady_clock::now();
  auto describe = [&](const Report& r) {
    const double age = std::chrono::duration<double>(now - r.at).count();
    return json{{"connected", now - r.at < kRuntimeFresh}, {"report_age_s", age},
                {"status", r.status}};
  };
  if (type == "serviceengine") {
    if (request.method == "PUT") {
      auto body = parseBody(request);
      if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
      runtime_[uuid] = {std::get<json>(std::move(body)), now};
      return jsonResponse(200, json::object());
    }
    if (request.method != "GET") return errorResponse(405, request.path + ": use GET or PUT");
    const auto it = runtime_.find(uuid);
    if (it == runtime_.end()) {
      return jsonResponse(200, {{"name", (*object)["name"]}, {"connected", false}});
    }
    json out = describe(it->second);
    out["name"] = (*object)["name"];
    return jsonResponse(200, out);
  }
  if (request.method != "GET") return errorResponse(405, request.path + ": use GET");
  // virtualservice: its entry in every SE's report.
  json engines = json::array();
  for (const auto& [seUuid, report] : runtime_) {
    const json& vss = report.status.contains("virtualservices") ? report.status["virtualservices"]
                                                                : json::array();
    for (const auto& vs : vss) {
      if (!vs.is_object() || vs.value("name", "") != (*object)["name"]) continue;
      auto se = objects_.get("serviceengine", seUuid);
      json entry = describe(report);
      entry.erase("status");
      entry["serviceengine"] = se ? (*se)["name"] : json(seUuid);
      entry["state"] = vs.value("state", json());
      entry["virtualservice"] = vs;
      engines.push_back(std::move(entry));
    }
  }
  return jsonResponse(200, {{"name", (*object)["name"]}, {"serviceengines", engines}});
}

HttpResponse Api::handle(const HttpRequest& request) {
  if (request.path == "/login") {
    if (request.method != "POST") return errorResponse(405, "/login: use POST");
    auto body = parseBody(request);
    if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
    const json& b = std::get<json>(body);
    if (!b.is_object() || !b.contains("username") || !b["username"].is_string() ||
        !b.contains("password") || !b["password"].is_string()) {
      return errorResponse(400, "body: give {\"username\": \"...\", \"password\": \"...\"}");
    }
    const auto token = auth_.login(b["username"], b["password"]);
    if (!token) return errorResponse(401, "login: wrong user name or password");
    HttpResponse r = jsonResponse(200, {{"token", *token}});
    r.headers.emplace_back("Set-Cookie", "sessionid=" + *token + "; HttpOnly; Path=/");
    return r;
  }
  if (!auth_.authenticate(request.authorization, request.cookie)) {
    HttpResponse r = errorResponse(
        401, "authentication required: HTTP basic credentials, or a token from POST /login");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"floe\"");
    return r;
  }
  if (request.path == "/logout") {
    if (request.authorization.rfind("Bearer ", 0) == 0) auth_.logout(request.authorization.substr(7));
    return jsonResponse(200, json::object());
  }
  return handleAuthenticated(request);
}

HttpResponse Api::handleAuthenticated(const HttpRequest& request) {
  const auto parts = split(request.path);
  const std::string& m = request.method;
  if (parts.size() < 2 || parts[0] != "api") {
    return errorResponse(404, request.path + ": not found; the API is under /api/<type>");
  }
  std::unique_lock lock(mutex_);
  // Wake the watchers after a write (GETs change nothing).
  struct Notify {
    std::condition_variable& cv;
    bool write;
    ~Notify() {
      if (write) cv.notify_all();
    }
  } notify{changed_, m != "GET"};
  if (parts[1] == "configuration" && parts.size() == 3) {
    if (parts[2] == "watch") {
      if (m != "GET") return errorResponse(405, request.path + ": use GET");
      return watch(request, lock);
    }
    if (parts[2] == "export") {
      if (m != "GET") return errorResponse(405, request.path + ": use GET");
      return jsonResponse(200, objects_.exportDocument());
    }
    if (parts[2] == "import") {
      if (m != "POST") return errorResponse(405, request.path + ": use POST");
      auto body = parseBody(request);
      if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
      return reply(objects_.importDocument(std::get<json>(body)));
    }
  }
  const std::string& type = parts[1];
  if (!ObjectService::isType(type)) {
    std::string known;
    for (const auto& t : ObjectService::types()) known += (known.empty() ? "" : ", ") + t;
    return errorResponse(404, "/api/" + type + ": no such object type; types: " + known);
  }
  if (parts.size() == 2) {
    if (m == "GET") return listObjects(type, request);
    if (m == "POST") {
      auto body = parseBody(request);
      if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
      return reply(objects_.create(type, std::get<json>(std::move(body))));
    }
    return errorResponse(405, request.path + ": use GET or POST");
  }
  if (parts.size() == 4 && parts[3] == "runtime" &&
      (type == "serviceengine" || type == "virtualservice")) {
    return runtime(type, parts[2], request);
  }
  if (parts.size() == 4 && type == "serviceengine" && parts[3] == "switchover") {
    if (m != "POST") return errorResponse(405, request.path + ": use POST");
    return relay(parts[2], "switchover", lock);
  }
  if (parts.size() == 5 && type == "serviceengine" && parts[3] == "commands") {
    if (m != "POST") return errorResponse(405, request.path + ": use POST");
    auto body = parseBody(request);
    if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
    replies_[parts[4]] = std::get<json>(std::move(body));
    return jsonResponse(200, json::object());
  }
  if (parts.size() != 3) return errorResponse(404, request.path + ": not found");
  const std::string& uuid = parts[2];
  if (m == "GET") {
    auto object = objects_.get(type, uuid);
    if (!object) return errorResponse(404, "no " + type + " has uuid \"" + uuid + "\"");
    return jsonResponse(200, *object);
  }
  if (m == "DELETE") return reply(objects_.remove(type, uuid));
  if (m == "PUT" || m == "PATCH") {
    auto body = parseBody(request);
    if (auto* r = std::get_if<HttpResponse>(&body)) return *r;
    if (m == "PUT") return reply(objects_.replace(type, uuid, std::get<json>(std::move(body))));
    return reply(objects_.patch(type, uuid, std::get<json>(body)));
  }
  return errorResponse(405, request.path + ": use GET, PUT, PATCH or DELETE");
}

HttpResponse Api::listObjects(const std::string& type, const HttpRequest& request) {
  std::vector<json> all = objects_.list(type);
  if (const std::string* name = param(request, "name")) {
    std::erase_if(all, [&](const json& o) { return o["name"] != *name; });
  }
  size_t page = 1;
  size_t pageSize = kDefaultPageSize;
  if (const std::string* p = param(request, "page")) {
    const auto v = positive(*p);
    if (!v) return errorResponse(400, "page: must be a positive integer, got \"" + *p + "\"");
    page = *v;
  }
  if (const std::string* p = param(request, "page_size")) {
    const auto v = positive(*p);
    if (!v || *v > kMaxPageSize) {
      return errorResponse(400, "page_size: must be 1-" + std::to_string(kMaxPageSize) +
                                    ", got \"" + *p + "\"");
    }
    pageSize = *v;
  }
  std::vector<std::string> fields;
  if (const std::string* f = param(request, "fields")) {
    size_t pos = 0;
    while (pos <= f->size()) {
      const auto comma = f->find(',', pos);
      const auto end = comma == std::string::npos ? f->size() : comma;
      if (end > pos) fields.push_back(f->substr(pos, end - pos));
      pos = end + 1;
    }
  }
  json results = json::array();
  const size_t first = (page - 1) * pageSize;
  for (size_t i = first; i < all.size() && i < first + pageSize; ++i) {
    if (fields.empty()) {
      results.push_back(all[i]);
      continue;
    }
    json slim = {{"uuid", all[i]["uuid"]}, {"url", all[i]["url"]}};
    for (const auto& f : fields) {
      if (all[i].contains(f)) slim[f] = all[i][f];
    }
    results.push_back(std::move(slim));
  }
  json out = {{"count", all.size()}, {"results", results}};
  if (first + pageSize < all.size()) {
    std::string next = "/api/" + type + "?page=" + std::to_string(page + 1) +
                       "&page_size=" + std::to_string(pageSize);
    if (const std::string* name = param(request, "name")) next += "&name=" + percentEncode(*name);
    if (const std::string* f = param(request, "fields")) next += "&fields=" + percentEncode(*f);
    out["next"] = next;
  }
  return jsonResponse(200, out);
}

}  // namespace floe::controller
