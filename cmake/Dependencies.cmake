# Third-party libraries, all from Debian 12 packages (see DEVELOPERS.md).
find_package(Threads REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(msgpack REQUIRED)  # Debian 12: msgpackc-cxx target
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
find_package(simdjson REQUIRED)
# zarr codec: compressors and the parallel chunk pipeline.
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(BLOSC REQUIRED IMPORTED_TARGET blosc)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
# libpq: the sql backend drops the tables of collected entries (src/codecs/sql).
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
# SQLite: the terracotta backend's database when it is a file (src/codecs/terracotta).
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
find_package(TBB REQUIRED)
# Object-store drivers (storage/http, storage/s3): the shared curl transport, SigV4 and
# digests from OpenSSL, S3's XML answers through expat.
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(EXPAT REQUIRED)
