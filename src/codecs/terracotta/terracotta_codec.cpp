// The `terracotta` backend: rasters as cloud-optimised GeoTIFFs, written by the Python
// package into an entry's payload, `terracotta-<entry_id>.terracotta/`, and registered in
// a terracotta database (PostgreSQL, or a SQLite file) whose rows name each raster's path.
//
// The engine's part: when a payload is released (a retired payload collected by `nuthatch
// gc` after the grace period, or an unpublished one discarded), the database rows whose
// path lies in that payload are removed, so the tile server never serves a raster that is
// gone. Rows of the entry that replaced it (the same terracotta keys, other paths) stay.
// The connection settings are the location's `terracotta` parameters, as the original
// Nuthatch names them: driver (postgresql or sqlite), host, port, database, and
// write_username / write_password (else username / password). No message names a password.

#include <sqlite3.h>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "codecs/front_end/front_end_codec.hpp"
#include "codecs/sql/postgres.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch {
namespace {

// Rows are matched on "/<payload>/" inside their path, whatever base the path has (the
// payload's own path or URL, or `override_path`): the payload's name holds its entry id, so
// no other entry's raster matches.
constexpr std::string_view kDeleteMetadata =
    "DELETE FROM metadata WHERE key IN (SELECT key FROM datasets WHERE {}(path, {}) > 0)";
constexpr std::string_view kDeleteDatasets = "DELETE FROM datasets WHERE {}(path, {}) > 0";

void release_in_postgres(const Value& settings, const std::string& marker,
                         const std::string& payload) {
  postgres::Connection conn = postgres::connect(
      settings, "terracotta", fmt::format("to unregister the rasters of {}", payload));
  const std::string what = fmt::format("terracotta: cannot unregister the rasters of {} in "
                                       "database '{}'",
                                       payload, postgres::setting(settings, "database"));
  postgres::exec(conn.get(), "BEGIN", {}, what);
  postgres::exec(conn.get(), fmt::format(kDeleteMetadata, "strpos", "$1"), {marker}, what);
  postgres::exec(conn.get(), fmt::format(kDeleteDatasets, "strpos", "$1"), {marker}, what);
  postgres::exec(conn.get(), "COMMIT", {}, what);
}

void release_in_sqlite(const std::string& file, const std::string& marker,
                       const std::string& payload) {
  sqlite3* raw = nullptr;
  // Never created here: a database that is gone registers nothing.
  if (sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string why = raw != nullptr ? sqlite3_errmsg(raw) : "out of memory";
    const int code = raw != nullptr ? sqlite3_errcode(raw) : SQLITE_NOMEM;
    sqlite3_close(raw);
    if (code == SQLITE_CANTOPEN) return;
    throw StorageError(fmt::format("terracotta: cannot open the SQLite database {} to "
                                   "unregister the rasters of {}: {}",
                                   file, payload, why));
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  sqlite3_busy_timeout(db.get(), 10000);
  auto run = [&](const std::string& sql, bool bind) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &stmt, nullptr);
    if (rc == SQLITE_OK && bind) {
      rc = sqlite3_bind_text(stmt, 1, marker.data(), static_cast<int>(marker.size()),
                             SQLITE_TRANSIENT);
    }
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_OK) {
      throw StorageError(fmt::format("terracotta: cannot unregister the rasters of {} in the "
                                     "SQLite database {}: {}",
                                     payload, file, sqlite3_errmsg(db.get())));
    }
  };
  run("BEGIN IMMEDIATE", false);
  try {
    run(fmt::format(kDeleteMetadata, "instr", "?1"), true);
    run(fmt::format(kDeleteDatasets, "instr", "?1"), true);
    run("COMMIT", false);
  } catch (...) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

class TerracottaCodec final : public FrontEndCodec {
 public:
  TerracottaCodec()
      : FrontEndCodec("terracotta", ".terracotta", false, "with rioxarray and terracotta") {}

  std::vector<std::string> release_settings() const override {
    return {"driver", "host", "port", "database", "username", "password", "write_username",
            "write_password"};
  }

  void release_payload(Storage& storage, const std::string& payload,
                       const Value& settings) const override {
    // A payload whose writer registered nothing (or a location without a database) has no
    // rows to remove.
    if (postgres::setting(settings, "database").empty()) return;
    const std::string marker = "/" + payload + "/";
    const std::string driver = postgres::setting(settings, "driver");
    if (driver.starts_with("sqlite")) {
      release_in_sqlite(postgres::setting(settings, "database"), marker, payload);
    } else if (driver.empty() || driver.starts_with("postgres")) {
      release_in_postgres(settings, marker, payload);
    } else {
      throw StorageError(fmt::format("terracotta: driver '{}' is not supported (postgresql or "
                                     "sqlite); the rasters of {} stay registered",
                                     driver, payload));
    }
  }
};

const CodecRegistrar kTerracotta(std::make_shared<TerracottaCodec>());

}  // namespace
}  // namespace nuthatch
