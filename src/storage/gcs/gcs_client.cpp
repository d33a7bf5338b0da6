#include "storage/gcs/gcs_client.hpp"

#include <nlohmann/json.hpp>

#include "nuthatch/error.hpp"
#include "storage/http/status.hpp"
#include "storage/http/url.hpp"
#include "storage/http/xml.hpp"

namespace nuthatch::gcs {
namespace {

constexpr std::size_t kMaxDetail = 300;

}  // namespace

std::string gcs_error_detail(std::string_view body) {
  if (body.empty() || body.size() > xml::kMaxErrorDocument) return {};
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object()) {
    const auto error = doc.find("error");
    if (error != doc.end() && error->is_object()) {
      const auto message = error->find("message");
      if (message != error->end() && message->is_string()) {
        return message->get<std::string>().substr(0, kMaxDetail);
      }
    }
    return {};
  }
  if (body.starts_with("<")) {
    try {
      const auto root = xml::parse(body, "a GCS request");
      if (root->name == "Error") {
        std::string detail = root->child_text("Code");
        const std::string message = root->child_text("Message");
        if (!message.empty()) detail += (detail.empty() ? "" : ": ") + message;
        return detail.substr(0, kMaxDetail);
      }
    } catch (const Error&) {
    }
  }
  return {};
}

GcsClient::GcsClient(GcsOptions options, http::TransportPtr transport)
    : options_(std::move(options)),
      tokens_(std::make_shared<TokenSource>(options_.credentials, transport, options_.client)),
      http_(options_.client, std::move(transport)) {}

std::string GcsClient::object_path(std::string_view name) const {
  return objects_path() + "/" + http::uri_encode(name, false);
}

std::string GcsClient::objects_path() const {
  return "/storage/v1/b/" + http::uri_encode(options_.bucket, false) + "/o";
}

std::string GcsClient::upload_path() const { return "/upload" + objects_path(); }

std::string GcsClient::url_of(std::string_view target) const {
  if (target.find("://") != std::string_view::npos) return std::string(target);
  const http::Url& e = options_.endpoint;
  return e.origin() + (e.path == "/" ? "" : e.path) + std::string(target);
}

std::string GcsClient::gs_url(std::string_view name) const {
  return "gs://" + options_.bucket + "/" + std::string(name);
}

http::Response GcsClient::send(const GcsCall& call) const { return http::answered(try_send(call)); }

http::Response GcsClient::try_send(const GcsCall& call) const {
  const std::string url = url_of(call.target);
  const std::string query = http::canonical_query(call.query);
  std::string full = url;
  if (!query.empty()) full += (url.find('?') == std::string::npos ? "?" : "&") + query;
  http::Request request{.method = call.method, .url = full, .headers = call.headers, .body = call.body};
  if (!tokens_->anonymous()) {
    // Authorized afresh before every attempt: a retry after a refresh carries the new token.
    request.prepare = [tokens = tokens_, base = call.headers](http::Request& r) {
      r.headers = base;
      r.headers.emplace_back("Authorization", tokens->authorization());
    };
  }
  http::Response response = http_.try_send(request);
  if (response.status == http::kUnauthorized && !tokens_->anonymous()) {
    tokens_->invalidate();  // revoked or expired early: one more try with a fresh token
    response = http_.try_send(std::move(request));
  }
  return response;
}

void GcsClient::fail(std::string_view action, std::string_view name,
                     const http::Response& response) const {
  http::throw_request_error(action, gs_url(name), url_of(object_path(name)), response,
                            gcs_error_detail(response.body));
}

}  // namespace nuthatch::gcs
