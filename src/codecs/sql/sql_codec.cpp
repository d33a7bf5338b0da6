// The `sql` backend: tables in PostgreSQL, written and read by the Python package (ADBC's
// PostgreSQL driver, COPY in both directions). An entry's payload,
// `sql-<entry_id>.sql/`, holds one object, `_nuthatch_table.json`, naming the table the
// entry committed (`{"schema": ..., "table": ...}`, plus what the front end needs to read
// it back); the manifest names the payload, so readers read the table the manifest names.
// Each entry has a table of its own, created under its fresh entry id and never changed.
//
// The engine's part: a table is released (dropped) when its payload is: a retired payload
// collected by `nuthatch gc` after the grace period, or an unpublished one discarded. The
// connection settings are the location's `sql` parameters, as the original Nuthatch names
// them: host, port, database, and write_username / write_password (else username /
// password). No message names a password.

#include <libpq-fe.h>

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "codecs/front_end/front_end_codec.hpp"
#include "codecs/sql/postgres.hpp"
#include "common/json.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kRecord = "_nuthatch_table.json";

using postgres::setting;

/// The `"schema"."table"` of a record, quoted by libpq.
std::string qualified(PGconn* conn, const std::string& schema, const std::string& table) {
  auto quote = [&](const std::string& name) {
    char* quoted = PQescapeIdentifier(conn, name.data(), name.size());
    if (quoted == nullptr) {
      throw StorageError(fmt::format("sql: cannot quote the table name '{}': {}", name,
                                     PQerrorMessage(conn)));
    }
    std::string out(quoted);
    PQfreemem(quoted);
    return out;
  };
  return schema.empty() ? quote(table) : quote(schema) + "." + quote(table);
}

class SqlCodec final : public FrontEndCodec {
 public:
  SqlCodec() : FrontEndCodec("sql", ".sql", false, "through ADBC's PostgreSQL driver") {}

  std::vector<std::string> release_settings() const override {
    return {"host", "port", "database", "username", "password", "write_username",
            "write_password"};
  }

  void release_payload(Storage& storage, const std::string& payload,
                       const Value& settings) const override {
    std::optional<std::string> raw = storage.read(payload + "/" + std::string(kRecord));
    if (!raw) return;  // its writer died before creating the table: nothing to drop
    Value record;
    try {
      record = from_json(*raw, "the sql table record");
    } catch (const Error& e) {
      throw StorageError(fmt::format("sql: the record {}/{} cannot be read ({}); the payload "
                                     "is kept",
                                     payload, kRecord, e.what()));
    }
    const std::string schema = setting(record, "schema");
    const std::string table = setting(record, "table");
    if (table.empty()) {
      throw StorageError(fmt::format("sql: the record {}/{} names no table; the payload is kept",
                                     payload, kRecord));
    }
    // Only this entry's own table, `<...>@<entry id>`, the id read from the payload's name
    // (`sql-<entry id>.sql`): a record naming any other table is damaged, and never the
    // reason a table is dropped.
    const std::string_view name = std::string_view(payload).substr(payload.rfind('/') + 1);
    const std::size_t dash = name.find('-');
    const std::size_t dot = name.rfind('.');
    const std::string_view entry_id =
        dash == std::string_view::npos || dot == std::string_view::npos || dot <= dash
            ? std::string_view()
            : name.substr(dash + 1, dot - dash - 1);
    if (entry_id.empty() || !std::string_view(table).ends_with("@" + std::string(entry_id))) {
      throw StorageError(fmt::format("sql: the record {}/{} names table '{}', which is not this "
                                     "entry's; the payload is kept and no table is dropped",
                                     payload, kRecord, table));
    }
    postgres::Connection conn = postgres::connect(
        settings, "sql", fmt::format("to drop table '{}.{}'", schema, table));
    const std::string sql = "DROP TABLE IF EXISTS " + qualified(conn.get(), schema, table);
    postgres::exec(conn.get(), sql, {},
                   fmt::format("sql: cannot drop table '{}.{}' in database '{}'", schema, table,
                               setting(settings, "database")));
  }
};

const CodecRegistrar kSql(std::make_shared<SqlCodec>());

}  // namespace
}  // namespace nuthatch
