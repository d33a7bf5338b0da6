#include "codecs/sql/postgres.hpp"

#include <fmt/format.h>

#include "nuthatch/error.hpp"

namespace nuthatch::postgres {

std::string setting(const Value& settings, std::string_view name) {
  const Value* v = settings.find(name);
  if (v == nullptr || v->is_null()) return {};
  if (v->is_string()) return v->as<std::string>();
  if (v->is_int()) return std::to_string(v->as<std::int64_t>());
  return {};
}

Connection connect(const Value& settings, std::string_view backend, std::string_view purpose) {
  const bool writer = !setting(settings, "write_username").empty();
  const std::string user = setting(settings, writer ? "write_username" : "username");
  const std::string password = setting(settings, writer ? "write_password" : "password");
  const std::string host = setting(settings, "host");
  const std::string port = setting(settings, "port");
  const std::string database = setting(settings, "database");
  const char* keys[] = {"host", "port", "dbname", "user", "password", "connect_timeout",
                        "application_name", nullptr};
  const char* values[] = {host.c_str(), port.c_str(),     database.c_str(), user.c_str(),
                          password.c_str(), "10", "nuthatch gc", nullptr};
  Connection conn(PQconnectdbParams(keys, values, 0), &PQfinish);
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    throw StorageError(fmt::format("{}: cannot connect to database '{}' on {}:{} as '{}' {}: {}",
                                   backend, database, host, port, user, purpose,
                                   conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  return conn;
}

void exec(PGconn* conn, const std::string& sql, const std::vector<std::string>& params,
          std::string_view what) {
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                   nullptr, nullptr, 0),
      &PQclear);
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw StorageError(fmt::format("{}: {}", what, PQerrorMessage(conn)));
  }
}

}  // namespace nuthatch::postgres
