#include "storage/file/filesystem_check.hpp"

#include <sys/vfs.h>

#include <array>
#include <cerrno>
#include <utility>

#include "nuthatch/error.hpp"

namespace nuthatch::file_fs {
namespace {

// statfs f_type magic numbers (linux/magic.h, statfs(2)); spelled out so the list does
// not depend on which kernel headers a build machine has.
constexpr std::array<std::pair<std::uint64_t, std::string_view>, 8> kUnsupported{{
    {0x6969, "NFS"},                  // NFS_SUPER_MAGIC (v2, v3 and v4)
    {0x517B, "SMB (smbfs)"},          // SMB_SUPER_MAGIC
    {0xFF534D42, "SMB/CIFS (cifs)"},  // CIFS_SUPER_MAGIC
    {0xFE534D42, "SMB2/SMB3"},        // SMB2_SUPER_MAGIC
    {0x5346414F, "AFS"},              // AFS_SUPER_MAGIC (OpenAFS)
    {0x6B414653, "AFS (kAFS)"},       // AFS_FS_MAGIC
    {0x73757245, "Coda"},             // CODA_SUPER_MAGIC
    {0x564C, "NCP (NetWare)"},        // NCP_SUPER_MAGIC
}};

}  // namespace

std::optional<std::string_view> unsupported_filesystem(std::uint64_t f_type) {
  // f_type is a signed long on some ABIs: compare the low 32 bits, as magic numbers are.
  const std::uint64_t magic = f_type & 0xFFFFFFFFULL;
  for (const auto& [known, name] : kUnsupported) {
    if (known == magic) return name;
  }
  return std::nullopt;
}

std::string unsupported_filesystem_message(std::string_view filesystem, const std::string& dir_path,
                                           std::string_view location) {
  return "cannot write to '" + std::string(location) + "': '" + dir_path + "' is on " +
         std::string(filesystem) +
         ", where the file driver's compare-and-swap (flock on a directory) is refused or "
         "not shared between machines, so concurrent writers could lose updates. File roots "
         "are supported on local file systems and on cluster file systems with coherent "
         "flock (CephFS, GPFS, GFS2, OCFS2, Lustre with -o flock); for a root shared over a "
         "network, use an object store (s3://, gs://, az://), and put the local level on a "
         "local disk. Reading from it (a mirror) works";
}

void check_writable(int dir_fd, const std::string& dir_path, std::string_view location) {
  struct statfs fs {};
  if (::fstatfs(dir_fd, &fs) != 0) return;
  if (const auto name = unsupported_filesystem(static_cast<std::uint64_t>(fs.f_type))) {
    throw StorageError(unsupported_filesystem_message(*name, dir_path, location));
  }
}

bool is_unsupported_lock_error(int err) {
  return err == EBADF || err == ENOLCK || err == ENOSYS || err == EOPNOTSUPP || err == EINVAL;
}

}  // namespace nuthatch::file_fs
