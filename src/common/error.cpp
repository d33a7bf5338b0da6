#include "nuthatch/error.hpp"

#include "common/redact.hpp"

namespace nuthatch {

// Every message is redacted once, here, so no error can carry a configured secret.
Error::Error(const std::string& message) : std::runtime_error(redact_secrets(message)) {}

}  // namespace nuthatch
