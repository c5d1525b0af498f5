#include "core/net/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace nf::net {
namespace {

void ensure_curl_initialized() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t append_header(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    static_cast<HttpResponse*>(user)->headers.emplace_back(std::move(name), std::string(value));
  }
  return size * count;
}

// Idle easy handles, each with its connection cache: a request takes one and gives it
// back, so the next request to the same server reuses the open keep-alive connection
// (ClickHouse answers a ranking read in a few ms; a new TCP connection per query was a
// large share of that). curl checks a cached connection before reusing it and opens a
// new one when the server closed it.
class HandlePool {
 public:
  struct Release {
    void operator()(CURL* handle) const { pool().give_back(handle); }
  };
  using Handle = std::unique_ptr<CURL, Release>;

  static HandlePool& pool() {
    static auto* instance = new HandlePool();  // never destroyed: handles may outlive static destruction
    return *instance;
  }

  Handle take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        curl_easy_reset(handle);  // options go, the connection cache stays
        return Handle(handle);
      }
    }
    return Handle(curl_easy_init());
  }

 private:
  static constexpr size_t kMaxIdle = 64;

  void give_back(CURL* handle) {
    if (!handle) return;
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(handle);
      return;
    }
    curl_easy_cleanup(handle);
  }

  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return "";
}

tl::expected<HttpResponse, std::string> perform(const HttpRequest& request) {
  ensure_curl_initialized();
  const auto curl = HandlePool::pool().take();
  if (!curl) return tl::unexpected(std::string("curl_easy_init failed"));

  HttpResponse response;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_slist* header_list = nullptr;
  for (const auto& [name, value] : request.headers)
    header_list = curl_slist_append(header_list, (name + ": " + value).c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(header_list, curl_slist_free_all);

  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, request.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, append_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response);
  if (header_list) curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list);
  if (request.method != "GET" && request.method != "HEAD") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  if (request.method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  if (!request.basic_user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, request.basic_user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, request.basic_password.c_str());
  }

  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    std::string reason = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
    return tl::unexpected(request.method + " " + request.url + ": " + reason);
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace nf::net
