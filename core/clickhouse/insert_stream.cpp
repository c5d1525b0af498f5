// Client::insert_stream: a streaming INSERT over libcurl's read callback. Kept apart from
// client.cpp because it drives curl directly (net::perform sends a body held in memory).

#include <curl/curl.h>

#include <exception>
#include <memory>
#include <mutex>

#include "core/clickhouse/client.hpp"
#include "core/error/error.hpp"
#include "core/metrics/dependency_metrics.hpp"
#include "core/net/http_client.hpp"

namespace nf::ch {
namespace {

struct UploadState {
  const Client::BodyReader* read = nullptr;
  std::exception_ptr failure;
  std::string response;
};

size_t read_body(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<UploadState*>(user);
  try {
    return (*state->read)(buffer, size * count);
  } catch (...) {
    state->failure = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

size_t collect_response(char* data, size_t size, size_t count, void* user) {
  static_cast<UploadState*>(user)->response.append(data, size * count);
  return size * count;
}

}  // namespace

void Client::insert_stream(const std::string& insert_query, const BodyReader& read) const {
  // The server in use: a body pulled from `read` cannot be sent twice, so a failed stream
  // is not resent elsewhere here; the next request starts at the next server when this
  // one could not be reached.
  const std::string server = server_in_use();
  std::string url = server + "/?" + pinned_settings_parameters();
  if (!settings_.database.empty()) url += "database=" + net::url_encode(settings_.database) + "&";
  url += "query=" + net::url_encode(insert_query);

  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) fail_check("cannot initialise libcurl for a ClickHouse insert");
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("X-ClickHouse-User: " + settings_.user).c_str());
  if (!settings_.password.empty()) headers = curl_slist_append(headers, ("X-ClickHouse-Key: " + settings_.password).c_str());
  headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
  headers = curl_slist_append(headers, "Expect:");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers, curl_slist_free_all);

  UploadState state;
  state.read = &read;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
  curl_easy_setopt(h, CURLOPT_READDATA, &state);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_response);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min<long>(settings_.timeout_ms, 2000));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 300L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);

  const metrics::DependencyTimer timed(metrics::Dependency::clickhouse);  // a throw below counts as an error
  const CURLcode code = curl_easy_perform(h);
  if (state.failure) std::rethrow_exception(state.failure);
  if (code != CURLE_OK) {
    if (code == CURLE_COULDNT_CONNECT && servers_.size() > 1) in_use_->store((in_use_->load() + 1) % servers_.size());
    fail_unreachable("ClickHouse at " + server + " failed during an insert: " + curl_easy_strerror(code) +
                     " (is it running? `scripts/stack status`)");
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    std::string text = state.response;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    fail_check("ClickHouse at " + server + " answered HTTP " + std::to_string(status) + " to an insert: " + text);
  }
}

}  // namespace nf::ch
