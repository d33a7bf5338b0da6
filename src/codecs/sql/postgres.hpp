#pragma once
// A libpq connection made from a location's database parameters, as the original Nuthatch
// names them (host, port, database, write_username / write_password, else username /
// password): what the sql and terracotta codecs release collected payloads through. No
// message names a password.

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/value.hpp"

namespace nuthatch::postgres {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;

/// The text of a setting (a string or an integer), "" when unset.
std::string setting(const Value& settings, std::string_view name);

/// Connects as the writer (else the reader). `backend` and `purpose` name the connection
/// in messages ("sql", "to drop table 'x'"); throws StorageError naming the database,
/// host, port and user.
Connection connect(const Value& settings, std::string_view backend, std::string_view purpose);

/// Runs `sql` with text parameters; throws StorageError naming `what` when it fails.
void exec(PGconn* conn, const std::string& sql, const std::vector<std::string>& params,
          std::string_view what);

}  // namespace nuthatch::postgres
