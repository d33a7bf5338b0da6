#pragma once
// HTTP statuses the drivers read, named once.

namespace nuthatch::http {

inline constexpr long kOk = 200;
inline constexpr long kNoContent = 204;
inline constexpr long kPartialContent = 206;
inline constexpr long kResumeIncomplete = 308;  ///< GCS resumable upload: send more
inline constexpr long kUnauthorized = 401;
inline constexpr long kNotFound = 404;
inline constexpr long kRequestTimeout = 408;
inline constexpr long kConflict = 409;
inline constexpr long kGone = 410;
inline constexpr long kPreconditionFailed = 412;
inline constexpr long kRangeNotSatisfiable = 416;
inline constexpr long kTooManyRequests = 429;
inline constexpr long kFirstServerError = 500;
inline constexpr long kNotImplemented = 501;
inline constexpr long kUnavailable = 503;
inline constexpr long kVersionNotSupported = 505;

}  // namespace nuthatch::http
