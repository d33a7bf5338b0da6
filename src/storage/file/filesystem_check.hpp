#pragma once
// Which file systems the file driver writes to. Its compare-and-swap and every rename hold
// flock(LOCK_EX) on a read-only descriptor of the parent directory (file_storage.cpp, I4).
// On a network file system that lock is refused or not shared between machines:
//  - NFS (v2, v3, v4): the Linux client emulates flock with POSIX byte-range locks, which
//    need a descriptor open for writing, so locking a directory fails (EBADF); mounted
//    with `local_lock=flock` it succeeds but binds only the one client. Attribute caching
//    can also hide another client's replacement from the generation check.
//  - SMB / CIFS (smbfs, cifs, smb3): flock is emulated with byte-range locks on files
//    (or kept local with `nobrl`); there is no lock on a directory for other clients.
//  - AFS (kAFS, OpenAFS), Coda, NCP: whole-file locks at best, none on directories, and
//    close-to-open semantics that let two writers both win.
// Writing there would either fail at the first lock or lose updates silently, so the
// driver refuses with a StorageError that says to use an object store. Reading is fine
// (a read-only mirror on NFS works). Cluster file systems whose flock is coherent across
// nodes (CephFS, GPFS / Spectrum Scale, GFS2, OCFS2, Lustre mounted with `-o flock`) and
// every local file system are supported; any other file system whose flock fails gets the
// same clear error from the lock itself (Lustre without `-o flock` says ENOSYS).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nuthatch::file_fs {

/// The name of the file system with statfs() magic `f_type` when the file driver refuses
/// to write to it (see above), otherwise std::nullopt.
std::optional<std::string_view> unsupported_filesystem(std::uint64_t f_type);

/// The StorageError message for writing to `dir_path` in `location` on the unsupported file
/// system `filesystem`: names it, the supported ones, and what to use instead.
std::string unsupported_filesystem_message(std::string_view filesystem, const std::string& dir_path,
                                           std::string_view location);

/// Throws StorageError (unsupported_filesystem_message) when the open directory `dir_fd`
/// lies on an unsupported file system. A failing fstatfs() is not an error: the lock that
/// follows reports a file system that cannot lock.
void check_writable(int dir_fd, const std::string& dir_path, std::string_view location);

/// Whether a failed flock() errno means "this file system cannot lock directories" rather
/// than a transient or permission problem.
bool is_unsupported_lock_error(int err);

}  // namespace nuthatch::file_fs
