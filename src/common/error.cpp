#include "nuthatch/error.hpp"

#include "nuthatch/config.hpp"

namespace nuthatch {

// Every message is redacted once, here, so no error can carry a configured secret.
Error::Error(const std::string& message) : std::runtime_error(redact(message)) {}

}  // namespace nuthatch
